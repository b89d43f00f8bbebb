package route

import (
	"net/http"
	"sort"

	networking "istio.io/api/networking/v1alpha3"
)

// HeaderOps is a compiled Istio Headers block: edits applied to the
// request before it is forwarded and to the response before it is
// returned. Names are canonical MIME header keys.
type HeaderOps struct {
	Request, Response headerEdit
}

type headerEdit struct {
	set, add [][2]string
	remove   []string
}

func compileHeaders(h *networking.Headers) *HeaderOps {
	if h == nil {
		return nil
	}
	return &HeaderOps{Request: compileEdit(h.Request), Response: compileEdit(h.Response)}
}

func compileEdit(o *networking.Headers_HeaderOperations) headerEdit {
	var e headerEdit
	if o == nil {
		return e
	}
	pairs := func(m map[string]string) [][2]string {
		var out [][2]string
		for k, v := range m {
			out = append(out, [2]string{http.CanonicalHeaderKey(k), v})
		}
		sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
		return out
	}
	e.set, e.add = pairs(o.Set), pairs(o.Add)
	for _, k := range o.Remove {
		e.remove = append(e.remove, http.CanonicalHeaderKey(k))
	}
	return e
}

// Apply edits h in Envoy's order: remove, then set (replace), then add
// (append).
func (e *headerEdit) Apply(h http.Header) {
	for _, k := range e.remove {
		delete(h, k)
	}
	for _, kv := range e.set {
		h[kv[0]] = []string{kv[1]}
	}
	for _, kv := range e.add {
		h[kv[0]] = append(h[kv[0]], kv[1])
	}
}

// ApplyRequest edits request headers; a nil HeaderOps does nothing.
func (o *HeaderOps) ApplyRequest(h http.Header) {
	if o != nil {
		o.Request.Apply(h)
	}
}

// ApplyResponse edits response headers; a nil HeaderOps does nothing.
func (o *HeaderOps) ApplyResponse(h http.Header) {
	if o != nil {
		o.Response.Apply(h)
	}
}
