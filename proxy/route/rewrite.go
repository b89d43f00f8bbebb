package route

import (
	"regexp"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
)

// Rewrite is a compiled HTTPRewrite.
type Rewrite struct {
	URI       string         // replaces the matched prefix, or the whole path
	Authority string         // replaces Host
	Regex     *regexp.Regexp // uriRegexRewrite.match
	Replace   string         // uriRegexRewrite.rewrite in Go's ${n} syntax
}

var backref = regexp.MustCompile(`\\(\d+)`)

func compileRewrite(rw *networking.HTTPRewrite) (*Rewrite, error) {
	if rw == nil {
		return nil, nil
	}
	out := &Rewrite{URI: rw.Uri, Authority: rw.Authority}
	if rr := rw.UriRegexRewrite; rr != nil {
		re, err := regexp.Compile(rr.Match)
		if err != nil {
			return nil, err
		}
		out.Regex = re
		out.Replace = backref.ReplaceAllString(rr.Rewrite, "$${$1}") // RE2's \1 is Go's ${1}
	}
	return out, nil
}

// Selection is a matched route and the request line it forwards.
type Selection struct {
	Route     *Route
	Path      string // path to send upstream (rewritten or not)
	Authority string // Host to send upstream
	Rewritten bool   // Path or Authority differ from the request's
}

// Select matches r like Match and applies the route's rewrite. ok is false
// when no route matches.
func (s *Service) Select(r *Request) (sel Selection, ok bool) {
	rt, m := s.match(r)
	if rt == nil {
		return sel, false
	}
	sel = Selection{Route: rt, Path: r.Path, Authority: r.Authority}
	rw := rt.Rewrite
	if rw == nil {
		return sel, true
	}
	switch {
	case rw.URI != "":
		if m != nil && m.uri != nil && m.uri.kind == matchPrefix && len(r.Path) >= len(m.uri.s) {
			sel.Path = rw.URI + r.Path[len(m.uri.s):]
		} else {
			sel.Path = rw.URI
		}
	case rw.Regex != nil:
		sel.Path = rw.Regex.ReplaceAllString(r.Path, rw.Replace)
	}
	if rw.Authority != "" {
		sel.Authority = rw.Authority
	}
	sel.Rewritten = sel.Path != r.Path || sel.Authority != r.Authority
	if sel.Path == "" {
		sel.Path = "/"
	}
	if !strings.HasPrefix(sel.Path, "/") {
		sel.Path = "/" + sel.Path
	}
	return sel, true
}
