package promapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
	"github.com/prometheus/prometheus/util/httputil"

	mlstorage "github.com/meshlens/meshlens/storage"
)

// API serves the Prometheus HTTP API over one PromQL engine. It is safe for
// concurrent use. Create it with New, mount it with Register, and Close it
// once the server serving it has shut down.
type API struct {
	queryable storage.Queryable
	metadata  mlstorage.MetadataStore // nil: /metadata answers {}
	engine    *promql.Engine
	parser    parser.Parser
	opts      Options
	logger    *slog.Logger

	started time.Time
	build   buildInfo
	now     func() time.Time // request time; replaced by tests
}

// New builds the engine and the API over q, which it reads but does not
// own (Close does not close it). md may be nil when the backend keeps no
// metadata; logger may be nil to discard logs. Options are validated, and
// zero fields take their defaults.
func New(q storage.Queryable, md mlstorage.MetadataStore, opts Options, logger *slog.Logger) (*API, error) {
	if q == nil {
		return nil, errors.New("promapi: nil Queryable")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	tracker, err := newQueryTracker(opts, logger)
	if err != nil {
		return nil, fmt.Errorf("promapi: %w", err)
	}
	p := parser.NewParser(parser.Options{})
	engine, err := newEngine(opts, p, tracker, logger)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("promapi: %w", err), tracker.Close())
	}

	return &API{
		queryable: q,
		metadata:  md,
		engine:    engine,
		parser:    p,
		opts:      opts,
		logger:    logger,
		started:   time.Now(),
		build:     readBuildInfo(),
		now:       time.Now,
	}, nil
}

// newEngine builds the engine; registering its metrics is the one step
// that can fail, and panics in Prometheus' code, so it is recovered here.
func newEngine(opts Options, p parser.Parser, tracker promql.QueryTracker, logger *slog.Logger) (e *promql.Engine, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("register engine metrics: %v", r)
		}
	}()
	subqueryStep := opts.EvaluationInterval.Milliseconds()
	return promql.NewEngine(promql.EngineOpts{
		Logger:             logger,
		Reg:                opts.Registerer,
		MaxSamples:         opts.MaxSamples,
		Timeout:            opts.Timeout,
		ActiveQueryTracker: tracker,
		LookbackDelta:      opts.LookbackDelta,
		// Without it a subquery without a step (`x[30m:]`) panics.
		NoStepSubqueryIntervalFn: func(int64) int64 { return subqueryStep },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		EnablePerStepStats:       true,
		Parser:                   p,
	}), nil
}

// Register mounts the API's routes, all under /api/v1/, on mux. Methods
// are Prometheus' (GET, and POST with a form body where Prometheus takes
// one); mux answers other methods with 405 and unknown /api/v1 paths with
// whatever else is mounted (404 by default). Call it once per mux: like
// any conflicting registration on a ServeMux, a second call panics.
func (a *API) Register(mux *http.ServeMux) {
	getPost := func(path string, f apiFunc) {
		h := a.handler(f)
		mux.Handle("GET /api/v1/"+path, h)
		mux.Handle("POST /api/v1/"+path, h)
	}
	get := func(path string, f apiFunc) {
		mux.Handle("GET /api/v1/"+path, a.handler(f))
	}

	getPost("query", a.query)
	getPost("query_range", a.queryRange)
	getPost("query_exemplars", a.queryExemplars)
	getPost("format_query", a.formatQuery)
	getPost("series", a.series)
	getPost("labels", a.labelNames)
	get("label/{name}/values", a.labelValues)
	get("metadata", a.metricMetadata)
	get("status/buildinfo", a.serveBuildInfo)
	get("status/config", a.serveConfig)
	get("status/flags", a.serveFlags)
	get("status/runtimeinfo", a.serveRuntimeInfo)
	get("status/tsdb", a.serveTSDBStatus)
}

// Close releases the engine's active query log, if any. Queries still
// running must have finished: call it after the HTTP server has shut down.
func (a *API) Close() error {
	if err := a.engine.Close(); err != nil {
		return fmt.Errorf("promapi: close engine: %w", err)
	}
	return nil
}

// result is what an endpoint answers: data or an error, with warnings,
// and a finalizer that runs after the body is written (results may point
// into storage memory that the finalizer releases).
type result struct {
	data      any
	err       *apiError
	warnings  annotations.Annotations
	finalizer func()
}

type apiFunc func(r *http.Request) result

func errResult(err *apiError) result { return result{err: err} }

// handler turns an endpoint into an http.Handler: it parses the form
// (query string and body) once, writes the answer, and compresses it when
// the client accepts it, as Prometheus does.
func (a *API) handler(f apiFunc) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(r); err != nil {
			a.respondError(w, badData(fmt.Errorf("error parsing form values: %w", err)))
			return
		}
		res := f(r)
		if res.finalizer != nil {
			defer res.finalizer()
		}
		switch {
		case res.err != nil:
			a.respondError(w, res.err)
		case res.data != nil:
			a.respond(w, r, res.data, res.warnings)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	return httputil.CompressionHandler{Handler: h}
}

// parseForm reads URL and body parameters, multipart bodies included, as
// Prometheus' r.FormValue does (but reporting malformed input).
func parseForm(r *http.Request) error {
	const maxMemory = 32 << 20 // net/http's default for FormValue
	// ParseMultipartForm alone would drop ParseForm's error for bodies that
	// are not multipart.
	if err := r.ParseForm(); err != nil {
		return err
	}
	err := r.ParseMultipartForm(maxMemory)
	if errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	return err
}

func (a *API) respond(w http.ResponseWriter, r *http.Request, data any, warnings annotations.Annotations) {
	warns, infos := warnings.AsStrings(r.FormValue("query"), 10, 10)
	s := encodeSuccess(data, warns, infos)
	defer jsonAPI.ReturnStream(s)
	if s.Error != nil {
		a.logger.Error("Error marshaling response", "url", r.URL.String(), "err", s.Error)
		http.Error(w, s.Error.Error(), http.StatusInternalServerError)
		return
	}
	a.write(w, http.StatusOK, s.Buffer())
}

// respondError writes an error answer with the status of its type.
func (a *API) respondError(w http.ResponseWriter, e *apiError) {
	s := encodeError(e)
	defer jsonAPI.ReturnStream(s)
	a.write(w, e.typ.httpStatus(), s.Buffer())
}

func (a *API) write(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if n, err := w.Write(body); err != nil {
		a.logger.Debug("Error writing response", "bytesWritten", n, "err", err)
	}
}
