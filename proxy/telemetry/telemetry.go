package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/meshlens/meshlens/proxy/telemetry/alsclient"
	"github.com/meshlens/meshlens/proxy/telemetry/istiometrics"
	"github.com/meshlens/meshlens/proxy/telemetry/logsink"
	"github.com/meshlens/meshlens/proxy/telemetry/zipkinreport"
)

// StatsPath is where Handler serves the metrics, as Envoy's admin does.
const StatsPath = "/stats/prometheus"

// Telemetry is the proxy's telemetry: it implements Observer, serves
// /stats/prometheus and flushes logs and spans in the background. Create
// it with New and stop it with Close. It is safe for concurrent use.
type Telemetry struct {
	cfg            Config
	local          Peer
	nodeID         string
	serviceCluster string
	json           bool
	samplePerTenK  uint64 // sampling percentage × 100

	reg     *prometheus.Registry
	metrics *istiometrics.Metrics            // nil when metrics are off
	sink    *logsink.Sink                    // stdout or file, else nil
	als     *alsclient.Client[alsItem]       // ALS, else nil
	spans   *zipkinreport.Reporter[spanItem] // nil when tracing is off

	badB3 atomic.Int64

	closeOnce sync.Once
	closeErr  error
	closeDone chan struct{}
}

// Stats counts what Telemetry could not deliver, for the proxy's own
// health: lines and spans dropped because a buffer was full, and
// requests whose B3 headers were malformed (not traced, as in Envoy).
type Stats struct {
	AccessLog logsink.Stats      // stdout or file output
	ALS       alsclient.Stats    // gRPC ALS output
	Spans     zipkinreport.Stats // Zipkin reporter
	BadB3     int64              // requests with malformed B3 headers
}

// Stats returns the counters; safe to call at any time.
func (t *Telemetry) Stats() Stats {
	var s Stats
	if t.sink != nil {
		s.AccessLog = t.sink.Stats()
	}
	if t.als != nil {
		s.ALS = t.als.Stats()
	}
	if t.spans != nil {
		s.Spans = t.spans.Stats()
	}
	s.BadB3 = t.badB3.Load()
	return s
}

// registerSelfMetrics exposes what telemetry lost, next to the istio_*
// metrics, so a scrape shows when the numbers cannot be trusted.
func (t *Telemetry) registerSelfMetrics() {
	dropped := func(signal string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "meshlens_proxy_telemetry_dropped_total",
			Help:        "Access-log entries and spans dropped because a buffer was full or the collector failed.",
			ConstLabels: prometheus.Labels{"signal": signal},
		}, f)
	}
	t.reg.MustRegister(
		dropped("access_log", func() float64 {
			s := t.Stats()
			return float64(s.AccessLog.Dropped + s.ALS.Dropped)
		}),
		dropped("span", func() float64 {
			s := t.Stats().Spans
			return float64(s.Dropped + s.Failed)
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "meshlens_proxy_malformed_b3_total",
			Help: "Requests whose B3 headers were malformed; like Envoy, they are not traced.",
		}, func() float64 { return float64(t.badB3.Load()) }),
	)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// New validates cfg and starts the telemetry: the access-log writer or
// ALS stream, the span reporter and the metrics registry. Nothing is sent
// until requests finish; an unreachable collector is retried in the
// background, not reported here.
func New(cfg Config) (*Telemetry, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("telemetry config: %w", err)
	}
	t := &Telemetry{
		cfg:            cfg,
		local:          cfg.Identity.Peer(),
		nodeID:         cfg.Identity.nodeID(),
		serviceCluster: cfg.Identity.serviceCluster(),
		json:           cfg.AccessLog.Format == FormatJSON,
		samplePerTenK:  uint64(cfg.Tracing.SamplingPercent*100 + 0.5),
		reg:            prometheus.NewRegistry(),
		closeDone:      make(chan struct{}),
	}
	if cfg.Metrics.Enabled {
		m, err := istiometrics.New(t.reg)
		if err != nil {
			return nil, err
		}
		t.metrics = m
	}
	if err := t.startAccessLog(); err != nil {
		return nil, err
	}
	if cfg.Tracing.ZipkinEndpoint != "" {
		tr := cfg.Tracing
		r, err := zipkinreport.New(zipkinreport.Config{
			Endpoint: tr.ZipkinEndpoint, BatchSize: tr.BatchSize, BatchInterval: tr.BatchInterval,
			MaxBacklog: tr.MaxBacklog, Timeout: tr.Timeout,
		}, t.appendSpanJSON)
		if err != nil {
			t.Close(context.Background())
			return nil, fmt.Errorf("tracing.zipkin_endpoint: %w", err)
		}
		t.spans = r
	}
	t.registerSelfMetrics()
	return t, nil
}

func (t *Telemetry) startAccessLog() error {
	a := t.cfg.AccessLog
	sinkCfg := logsink.Config{FlushInterval: a.FlushInterval, MaxPendingBytes: a.BufferBytes}
	switch a.Output {
	case "", OutputStdout:
		t.sink = logsink.New(os.Stdout, sinkCfg)
	case OutputFile:
		s, err := logsink.OpenFile(a.Path, sinkCfg)
		if err != nil {
			return fmt.Errorf("access_log.path: %w", err)
		}
		t.sink = s
	case OutputALS:
		c, err := alsclient.New(alsclient.Config{
			Endpoint: a.ALSEndpoint, Node: t.cfg.Identity.node(), FlushInterval: a.FlushInterval,
			MaxBuffered: a.BufferEntries,
		}, alsEntry)
		if err != nil {
			return fmt.Errorf("access_log.als_endpoint: %w", err)
		}
		t.als = c
	}
	return nil
}

// ReopenLogs reopens the access-log file (see logsink.Sink.Reopen), for
// log rotation; with stdout or ALS output there is nothing to reopen.
func (t *Telemetry) ReopenLogs(ctx context.Context) error {
	if t.sink == nil {
		return nil
	}
	return t.sink.Reopen(ctx)
}

// Handler serves StatsPath in the Prometheus text format, or OpenMetrics
// or protobuf when the scraper asks for them, with the istio_* labels in
// Istio's order.
func (t *Telemetry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(StatsPath, promhttp.HandlerFor(istiometrics.IstioOrder(t.reg), promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorHandling:     promhttp.ContinueOnError,
	}))
	return mux
}

// Registry is the registry Handler serves; the proxy may register its own
// collectors in it (names must not start with istio_).
func (t *Telemetry) Registry() *prometheus.Registry { return t.reg }

// Close flushes the access log and spans and stops the background
// writers, waiting at most until ctx is done. It is idempotent: later
// calls wait for the first and return its result. Begin and Finish stay
// safe after Close; what they produce is dropped and counted.
func (t *Telemetry) Close(ctx context.Context) error {
	t.closeOnce.Do(func() {
		go func() {
			defer close(t.closeDone)
			var errs []error
			if t.sink != nil {
				errs = append(errs, t.sink.Close(context.Background()))
			}
			if t.als != nil {
				errs = append(errs, t.als.Close(context.Background()))
			}
			if t.spans != nil {
				errs = append(errs, t.spans.Close(context.Background()))
			}
			t.closeErr = errors.Join(errs...)
		}()
	})
	select {
	case <-t.closeDone:
		return t.closeErr
	case <-ctx.Done():
		return fmt.Errorf("telemetry close: %w", ctx.Err())
	}
}

// Flush writes out what is buffered now (access log and spans) and waits
// for it, or for ctx. Tests and graceful drains use it; the background
// writers flush on their own intervals.
func (t *Telemetry) Flush(ctx context.Context) error {
	var errs []error
	if t.sink != nil {
		errs = append(errs, t.sink.Flush(ctx))
	}
	if t.als != nil {
		errs = append(errs, t.als.Flush(ctx))
	}
	if t.spans != nil {
		errs = append(errs, t.spans.Flush(ctx))
	}
	return errors.Join(errs...)
}
