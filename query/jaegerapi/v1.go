package jaegerapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
)

// services answers GET /api/services: sorted service names.
func (a *API) services(r *http.Request) (*response, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	names, err := tr.Services(r.Context())
	if err != nil {
		return nil, err
	}
	names = sortedNames(names)
	return &response{Data: names, Total: len(names)}, nil
}

// operationNames answers GET /api/services/{service}/operations: the
// service's distinct span names of every kind, sorted.
func (a *API) operationNames(r *http.Request) (*response, error) {
	ops, err := a.listOperations(r, r.PathValue("service"), "", false)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	names = sortedNames(names)
	return &response{Data: names, Total: len(names)}, nil
}

// operations answers GET /api/operations?service=&spanKind=: span names
// with their kind ("" for internal spans, as stored).
func (a *API) operations(r *http.Request) (*response, error) {
	q := r.URL.Query()
	service := q.Get("service")
	if service == "" {
		return nil, errServiceRequired
	}
	kind, internal, err := parseSpanKind("spanKind", q.Get("spanKind"))
	if err != nil {
		return nil, err
	}
	ops, err := a.listOperations(r, service, kind, internal)
	if err != nil {
		return nil, err
	}
	data := make([]Operation, len(ops))
	for i, op := range ops {
		data[i] = Operation{Name: op.Name, SpanKind: string(op.Kind)}
	}
	return &response{Data: data, Total: len(data)}, nil
}

// listOperations asks storage for a service's operations of one kind;
// internalOnly keeps only spans without a kind, which storage cannot
// select (its "" means every kind).
func (a *API) listOperations(r *http.Request, service string, kind storage.SpanKind, internalOnly bool) ([]storage.Operation, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	ops, err := tr.Operations(r.Context(), service, kind)
	if err != nil {
		return nil, err
	}
	if internalOnly {
		ops = slices.DeleteFunc(slices.Clone(ops), func(op storage.Operation) bool { return op.Kind != "" })
	}
	return ops, nil
}

// search answers GET /api/traces: the traces matching the query, or those
// with the traceID parameters given, adjusted. Missing trace ids are listed
// in errors, as Jaeger does.
func (a *API) search(r *http.Request) (*response, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	s, err := parseSearch(r.URL.Query(), a.now())
	if err != nil {
		return nil, err
	}
	var traces []storage.Trace
	var missing []structuredError
	if len(s.traceIDs) > 0 {
		for _, id := range s.traceIDs {
			t, err := tr.GetTrace(r.Context(), id)
			if errors.Is(err, storage.ErrNotFound) {
				missing = append(missing, structuredError{Msg: errTraceNotFound.Error(), TraceID: tracefmt.TraceIDString(id)})
				continue
			}
			if err != nil {
				return nil, err
			}
			traces = append(traces, t)
		}
	} else if traces, err = tr.FindTraces(r.Context(), s.query); err != nil {
		return nil, err
	}
	return &response{Data: uiTraces(traces, true), Errors: missing}, nil
}

// getTrace answers GET /api/traces/{traceID}[?raw=true]: one trace, or 404
// "trace not found".
func (a *API) getTrace(r *http.Request) (*response, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	id, err := tracefmt.ParseTraceID(r.PathValue("traceID"))
	if err != nil {
		return nil, badParam(err)
	}
	t, err := tr.GetTrace(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errTraceNotFound
	}
	if err != nil {
		return nil, err
	}
	raw, _ := strconv.ParseBool(r.URL.Query().Get("raw"))
	return &response{Data: uiTraces([]storage.Trace{t}, !raw)}, nil
}

// dependencies answers GET /api/dependencies?endTs=&lookback=[&service=]:
// one link per (parent, child), call counts summed, optionally only the
// links touching service.
func (a *API) dependencies(r *http.Request) (*response, error) {
	q := r.URL.Query()
	end, lookback, err := parseDependencyWindow(q, a.now())
	if err != nil {
		return nil, err
	}
	if a.deps == nil {
		return nil, storage.ErrNotSupported
	}
	links, err := a.deps.Dependencies(r.Context(), end, lookback)
	if err != nil {
		return nil, err
	}
	service := q.Get("service")
	data := []DependencyLink{}
	index := map[[2]string]int{}
	for _, l := range links {
		if service != "" && l.Parent != service && l.Child != service {
			continue
		}
		key := [2]string{l.Parent, l.Child}
		if i, ok := index[key]; ok {
			data[i].CallCount += l.CallCount
			continue
		}
		index[key] = len(data)
		data = append(data, DependencyLink{Parent: l.Parent, Child: l.Child, CallCount: l.CallCount})
	}
	return &response{Data: data}, nil
}

func uiTraces(traces []storage.Trace, adjust bool) []Trace {
	out := make([]Trace, len(traces))
	for i, t := range traces {
		out[i] = toUITrace(t, adjust)
	}
	return out
}

// sortedNames is a sorted, distinct copy, never nil, so that JSON says []
// not null.
func sortedNames(names []string) []string {
	out := append([]string{}, names...)
	slices.Sort(out)
	return slices.Compact(out)
}
