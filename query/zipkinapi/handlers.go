package zipkinapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/meshlens/meshlens/storage"
)

// reader returns the trace reader, or ErrNotSupported for a backend
// without spans.
func (a *API) reader() (storage.TraceReader, error) {
	if a.traces == nil {
		return nil, storage.ErrNotSupported
	}
	return a.traces, nil
}

// services answers GET /api/v2/services: every local service name, sorted.
func (a *API) services(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	names, err := tr.Services(r.Context())
	return sortedNames(names), err
}

// spanNames answers GET /api/v2/spans?serviceName=: the service's span
// names, sorted and distinct.
func (a *API) spanNames(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	service, err := required(r.URL.Query(), "serviceName")
	if err != nil {
		return nil, err
	}
	ops, err := tr.Operations(r.Context(), service, "")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	return sortedNames(names), nil
}

// remoteServices answers GET /api/v2/remoteServices?serviceName=.
func (a *API) remoteServices(r *http.Request) (any, error) {
	service, err := required(r.URL.Query(), "serviceName")
	if err != nil {
		return nil, err
	}
	if a.remote == nil {
		return nil, storage.ErrNotSupported
	}
	names, err := a.remote.RemoteServices(r.Context(), service)
	return sortedNames(names), err
}

// findTraces answers GET /api/v2/traces: a list of traces, each a list of
// spans. Conditions storage cannot filter on (remoteServiceName, bare
// annotationQuery words) are checked here on up to four times the limit of
// candidate traces.
func (a *API) findTraces(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	ts, err := parseTraceSearch(r.URL.Query(), a.now())
	if err != nil {
		return nil, err
	}
	limit := ts.query.Limit
	if ts.post.active() {
		ts.query.Limit = min(4*limit, MaxLimit)
	}
	traces, err := tr.FindTraces(r.Context(), ts.query)
	if err != nil {
		return nil, err
	}
	out := make([][]Span, 0, min(len(traces), limit))
	for _, t := range traces {
		if len(out) == limit {
			break
		}
		if ts.post.keep(t.Spans) {
			out = append(out, toSpans(t.Spans))
		}
	}
	return out, nil
}

// getTrace answers GET /api/v2/trace/{traceId}: the trace's spans, or 404.
func (a *API) getTrace(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	raw := r.PathValue("traceId")
	id, err := parseTraceID(raw)
	if err != nil {
		return nil, err
	}
	t, err := tr.GetTrace(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errTraceNotFound(raw)
	}
	if err != nil {
		return nil, err
	}
	return toSpans(t.Spans), nil
}

// traceMany answers GET /api/v2/traceMany?traceIds=a,b: the traces found,
// possibly none.
func (a *API) traceMany(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	ids, err := parseTraceIDs(r.URL.Query().Get("traceIds"))
	if err != nil {
		return nil, err
	}
	out := [][]Span{}
	for _, id := range ids {
		t, err := tr.GetTrace(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, toSpans(t.Spans))
	}
	return out, nil
}

// dependencies answers GET /api/v2/dependencies?endTs=&lookback=.
func (a *API) dependencies(r *http.Request) (any, error) {
	end, lookback, err := parseDependencyWindow(r.URL.Query())
	if err != nil {
		return nil, err
	}
	if a.deps == nil {
		return nil, storage.ErrNotSupported
	}
	links, err := a.deps.Dependencies(r.Context(), end, lookback)
	return toLinks(links), err
}

// autocompleteKeys answers GET /api/v2/autocompleteKeys: empty when the
// backend has none configured or cannot autocomplete.
func (a *API) autocompleteKeys(r *http.Request) (any, error) {
	if a.auto == nil {
		return []string{}, nil
	}
	keys, err := a.auto.AutocompleteKeys(r.Context())
	return sortedNames(keys), err
}

// autocompleteValues answers GET /api/v2/autocompleteValues?key=.
func (a *API) autocompleteValues(r *http.Request) (any, error) {
	key, err := required(r.URL.Query(), "key")
	if err != nil {
		return nil, err
	}
	if a.auto == nil {
		return []string{}, nil
	}
	values, err := a.auto.AutocompleteValues(r.Context(), key)
	return sortedNames(values), err
}

// sortedNames is a sorted copy, never nil, so that JSON says [] not null.
func sortedNames(names []string) []string {
	out := append([]string{}, names...)
	slices.Sort(out)
	return slices.Compact(out)
}
