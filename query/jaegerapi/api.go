// Package jaegerapi serves Jaeger's query APIs over the storage trace
// seams, for Grafana's Jaeger data source and the Jaeger UI:
//
//   - v1 (/api/...): services, operations, trace search, trace by id and
//     dependencies, in the Jaeger UI JSON model and Jaeger's envelope
//     {"data":…,"total":n,"limit":0,"offset":0,"errors":null}; errors use
//     the same envelope with data null and errors [{"code":…,"msg":…}].
//   - v3 (/api/v3/...): services, operations, trace search and trace by id,
//     answering as Jaeger v2's HTTP gateway does: traces as
//     {"result": <OTLP JSON TracesData>}, errors as
//     {"error":{"httpCode":…,"message":…}}.
//
// Traces are adjusted as Jaeger's query service adjusts them unless the
// client asks for raw traces: B3 shared server spans, which reuse their
// client span's id, get an id of their own and that client span as parent
// (Jaeger's span-id uniquifier), so the UI shows a client/server pair.
package jaegerapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// API answers Jaeger queries from one backend. A backend without a
// TraceReader (or without a DependencyReader, for /api/dependencies)
// answers 501.
type API struct {
	traces storage.TraceReader
	deps   storage.DependencyReader
	logger *slog.Logger
	now    func() time.Time
}

// New returns the API over backend, discovering its abilities by type
// assertion. A nil logger discards.
func New(backend any, logger *slog.Logger) *API {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &API{logger: logger, now: time.Now}
	a.traces, _ = backend.(storage.TraceReader)
	a.deps, _ = backend.(storage.DependencyReader)
	return a
}

// Register mounts the v1 and v3 endpoints on mux.
func (a *API) Register(mux *http.ServeMux) {
	for path, f := range map[string]func(*http.Request) (*response, error){
		"/api/services":                      a.services,
		"/api/services/{service}/operations": a.operationNames,
		"/api/operations":                    a.operations,
		"/api/traces":                        a.search,
		"/api/traces/{traceID}":              a.getTrace,
		"/api/dependencies":                  a.dependencies,
	} {
		mux.HandleFunc("GET "+path, a.handleV1(f))
	}
	for path, f := range map[string]func(*http.Request) (any, error){
		"/api/v3/services":          a.servicesV3,
		"/api/v3/operations":        a.operationsV3,
		"/api/v3/traces":            a.findTracesV3,
		"/api/v3/traces/{trace_id}": a.getTraceV3,
	} {
		mux.HandleFunc("GET "+path, a.handleV3(f))
	}
}

// reader returns the trace reader, or ErrNotSupported for a backend
// without spans.
func (a *API) reader() (storage.TraceReader, error) {
	if a.traces == nil {
		return nil, storage.ErrNotSupported
	}
	return a.traces, nil
}
