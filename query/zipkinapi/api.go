// Package zipkinapi serves Zipkin's query API v2 (GET /api/v2/services,
// /spans, /remoteServices, /traces, /trace/{traceId}, /traceMany,
// /dependencies, /autocompleteKeys, /autocompleteValues) over the storage
// trace seams, for Zipkin's UI (Lens), Grafana's Zipkin data source and
// Zipkin clients. The contract is openzipkin's zipkin2-api.yaml (a copy is
// in testdata); where it is silent this package does what the Zipkin server
// does.
//
// Successful answers are JSON. Errors are plain text, as the Zipkin server
// answers them: 400 with the reason for bad parameters, 404 "<traceId> not
// found", 501 when the backend lacks an ability an endpoint needs, 500
// otherwise. Span ingest (POST /api/v2/spans) is the zipkin receiver's job,
// not this package's.
package zipkinapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v2/"

// API answers Zipkin queries from one backend. Abilities the backend lacks
// are nil; their endpoints then answer 501 (remote services, dependencies)
// or an empty list (autocompletion, as Zipkin does with no keys configured).
type API struct {
	traces storage.TraceReader
	deps   storage.DependencyReader
	remote storage.RemoteServiceReader
	auto   storage.AutocompleteReader
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
	a.remote, _ = backend.(storage.RemoteServiceReader)
	a.auto, _ = backend.(storage.AutocompleteReader)
	return a
}

// Register mounts the endpoints on mux.
func (a *API) Register(mux *http.ServeMux) {
	for path, f := range map[string]func(*http.Request) (any, error){
		"services":           a.services,
		"spans":              a.spanNames,
		"remoteServices":     a.remoteServices,
		"traces":             a.findTraces,
		"trace/{traceId}":    a.getTrace,
		"traceMany":          a.traceMany,
		"dependencies":       a.dependencies,
		"autocompleteKeys":   a.autocompleteKeys,
		"autocompleteValues": a.autocompleteValues,
	} {
		mux.HandleFunc("GET "+Prefix+path, a.handle(f))
	}
}

// handle adapts an endpoint that returns its answer or an error.
func (a *API) handle(f func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := f(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(data); err != nil {
			a.logger.Warn("zipkin API: writing response", "path", r.URL.Path, "error", err)
		}
	}
}
