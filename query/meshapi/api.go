// Package meshapi serves meshlens' own HTTP API under /api/meshlens/v1/:
// access-log search, RED per service or edge, and request lookup by
// x-request-id. It reads only the storage seams (AccessLogReader,
// REDReader); aggregations run inside the backend.
//
// Bodies use Prometheus' envelope: {"status":"success","data":…} or
// {"status":"error","errorType":…,"error":…}.
package meshapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/storage"
)

// Prefix is where the API is mounted.
const Prefix = "/api/meshlens/v1/"

// API holds the readers. A reader may be nil when the backend lacks that
// ability; its endpoints then answer 501.
type API struct {
	logs   storage.AccessLogReader
	red    storage.REDReader
	dead   storage.DeadLetterReader
	traces storage.TraceReader
	graph  *graph.Engine // nil without a storage.RollupReader
	logger *slog.Logger
}

// New returns the API over backend, discovering its optional abilities.
func New(backend any, logger *slog.Logger) *API {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &API{logger: logger}
	a.logs, _ = backend.(storage.AccessLogReader)
	a.red, _ = backend.(storage.REDReader)
	a.dead, _ = backend.(storage.DeadLetterReader)
	a.traces, _ = backend.(storage.TraceReader)
	if rr, ok := backend.(storage.RollupReader); ok {
		a.graph = &graph.Engine{Reader: rr, Health: graph.DefaultHealth()}
	}
	return a
}

// Register mounts the endpoints on mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"logs", a.handle(a.logsHandler))
	mux.HandleFunc("GET "+Prefix+"red", a.handle(a.redHandler))
	mux.HandleFunc("GET "+Prefix+"requests/{id}", a.handle(a.requestHandler))
	mux.HandleFunc("GET "+Prefix+"deadletters", a.handle(a.deadLettersHandler))
	mux.HandleFunc("GET "+Prefix+"graph", a.handle(a.graphHandler))
	mux.HandleFunc("GET "+Prefix+"services", a.handle(a.servicesHandler))
	mux.HandleFunc("GET "+Prefix+"series", a.handle(a.seriesHandler))
}

// handle adapts an endpoint that returns its data or an error.
func (a *API) handle(f func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := f(r)
		a.respond(w, data, err)
	}
}

// errBadParam marks errors in request parameters (400 bad_data).
var errBadParam = errors.New("bad parameter")

type envelope struct {
	Status    string `json:"status"`
	Data      any    `json:"data,omitempty"`
	ErrorType string `json:"errorType,omitempty"`
	Error     string `json:"error,omitempty"`
}

// respond writes data, or maps err to its status in this one place.
func (a *API) respond(w http.ResponseWriter, data any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err == nil {
		_ = json.NewEncoder(w).Encode(envelope{Status: "success", Data: data})
		return
	}
	status, typ := http.StatusInternalServerError, "internal"
	switch {
	case errors.Is(err, errBadParam):
		status, typ = http.StatusBadRequest, "bad_data"
	case errors.Is(err, storage.ErrNotFound):
		status, typ = http.StatusNotFound, "not_found"
	case errors.Is(err, storage.ErrNotSupported):
		status, typ = http.StatusNotImplemented, "unavailable"
	default:
		a.logger.Error("meshlens API request failed", "error", err)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(envelope{Status: "error", ErrorType: typ, Error: err.Error()})
}
