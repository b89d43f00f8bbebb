package scrape

import (
	"bytes"
	"compress/gzip"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// sink collects what a Manager emits and wakes waiters on every batch.
type sink struct {
	mu      sync.Mutex
	batches []pmetric.Metrics
	notify  chan struct{}
}

func newSink() *sink { return &sink{notify: make(chan struct{}, 1)} }

func (s *sink) consume(_ context.Context, md pmetric.Metrics) error {
	s.mu.Lock()
	s.batches = append(s.batches, md)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (s *sink) snapshot() []pmetric.Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pmetric.Metrics(nil), s.batches...)
}

// waitFor returns the batches once cond holds, failing after a deadline.
func (s *sink) waitFor(t *testing.T, what string, cond func([]pmetric.Metrics) bool) []pmetric.Metrics {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		if b := s.snapshot(); cond(b) {
			return b
		}
		select {
		case <-s.notify:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s (%d batches)", what, len(s.snapshot()))
		}
	}
}

func atLeast(n int) func([]pmetric.Metrics) bool {
	return func(b []pmetric.Metrics) bool { return len(b) >= n }
}

// successful keeps the batches whose scrape succeeded (up == 1).
func successful(t *testing.T, b []pmetric.Metrics) []pmetric.Metrics {
	var ok []pmetric.Metrics
	for _, md := range b {
		if reportValue(t, md, "up") == 1 {
			ok = append(ok, md)
		}
	}
	return ok
}

// logBuffer captures a Manager's logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startManager runs a Manager over one job scraping srv every 100ms.
func startManager(t *testing.T, srv *httptest.Server, jc JobConfig) (*sink, *logBuffer) {
	t.Helper()
	jc.JobName = "istio-proxies"
	if jc.ScrapeInterval == 0 {
		jc.ScrapeInterval = 100 * time.Millisecond
	}
	jc.MetricsPath = "/stats/prometheus"
	jc.StaticConfigs = []StaticConfig{{Targets: []string{strings.TrimPrefix(srv.URL, "http://")}, Labels: map[string]string{"mesh": "demo"}}}
	s, logs := newSink(), &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := NewManager(Config{ScrapeConfigs: []JobConfig{jc}}, s.consume, logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s, logs
}

// serve answers /stats/prometheus with body and contentType, gzip-encoded
// when the client asks for it.
func serve(t *testing.T, body []byte, contentType string, headers chan<- http.Header) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats/prometheus" {
			http.NotFound(w, r)
			return
		}
		if headers != nil {
			select {
			case headers <- r.Header.Clone():
			default:
			}
		}
		w.Header().Set("Content-Type", contentType)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			_, _ = gz.Write(body)
			_ = gz.Close()
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestManagerScrapesIstioTargets(t *testing.T) {
	for _, tc := range []struct {
		file, contentType string
		compression       bool
	}{
		{file: "istio_small.prom", contentType: "text/plain; version=0.0.4; charset=utf-8", compression: true},
		{file: "istio_small.prom", contentType: "text/plain; version=0.0.4; charset=utf-8"},
		{file: "istio_small.om", contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8", compression: true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			headers := make(chan http.Header, 1)
			srv := serve(t, readTestdata(t, tc.file), tc.contentType, headers)
			// A generous interval (and so timeout) keeps a busy machine from
			// failing scrapes; the short-interval tests expect failures.
			s, logs := startManager(t, srv, JobConfig{EnableCompression: &tc.compression, ScrapeInterval: 300 * time.Millisecond})
			batches := successful(t, s.waitFor(t, "two successful scrapes", func(b []pmetric.Metrics) bool {
				return len(successful(t, b)) >= 2
			}))
			if len(batches) < len(s.snapshot()) {
				t.Logf("some scrapes failed; logs:\n%s", logs)
			}

			for _, md := range batches[:2] {
				if d := reportValue(t, md, "scrape_duration_seconds"); d <= 0 || d > 1 {
					t.Errorf("scrape_duration_seconds = %v", d)
				}
				res := attrsOf(md.ResourceMetrics().At(0).Resource().Attributes())
				if res["job"] != "istio-proxies" || res["instance"] != strings.TrimPrefix(srv.URL, "http://") || res["mesh"] != "demo" || len(res) != 3 {
					t.Errorf("resource %v", res)
				}
				mustMetric(t, md, "istio_requests_total", pmetric.MetricTypeSum)
				mustMetric(t, md, "istio_request_duration_milliseconds", pmetric.MetricTypeHistogram)
			}
			t1 := mustMetric(t, batches[0], "up", pmetric.MetricTypeGauge).Gauge().DataPoints().At(0).Timestamp().AsTime()
			t2 := mustMetric(t, batches[1], "up", pmetric.MetricTypeGauge).Gauge().DataPoints().At(0).Timestamp().AsTime()
			if d := t2.Sub(t1); d < 150*time.Millisecond {
				t.Errorf("scrapes %v apart, want about the 300ms interval", d)
			}

			h := <-headers
			if !strings.HasPrefix(h.Get("Accept"), "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,") ||
				h.Get("X-Prometheus-Scrape-Timeout-Seconds") != "0.3" || h.Get("User-Agent") == "" {
				t.Errorf("request headers %v", h)
			}
		})
	}
}

func TestManagerStalenessAndTargetDown(t *testing.T) {
	full := readTestdata(t, "istio_small.prom")
	var without503 bytes.Buffer
	for line := range strings.Lines(string(full)) {
		if !strings.Contains(line, `response_code="503"`) {
			without503.WriteString(line)
		}
	}
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		switch requests.Add(1) {
		case 1:
			_, _ = w.Write(full)
		case 2:
			_, _ = w.Write(without503.Bytes())
		default:
			http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	s, logs := startManager(t, srv, JobConfig{ScrapeInterval: 300 * time.Millisecond})
	b := s.waitFor(t, "four scrapes", atLeast(4))
	if reportValue(t, b[0], "up") != 1 || reportValue(t, b[1], "up") != 1 {
		t.Fatalf("the first two scrapes should succeed; logs:\n%s", logs)
	}

	if n := staleCount(b[0]); n != 0 {
		t.Errorf("first scrape: %d markers", n)
	}
	// The 503 counter and histogram went away.
	if n := staleCount(b[1]); n != 2 {
		t.Errorf("series gone: %d markers, want 2", n)
	}
	// The target fails: up = 0 and every remaining series is marked, once.
	if up := reportValue(t, b[2], "up"); up != 0 {
		t.Errorf("up = %v after a 503", up)
	}
	if n := staleCount(b[2]); n != 5 { // counter, histogram, tcp counter, two gauges
		t.Errorf("target down: %d markers, want 5", n)
	}
	if n := staleCount(b[3]); n != 0 {
		t.Errorf("still down: %d markers, want 0", n)
	}
	if got := logs.String(); strings.Count(got, "level=WARN msg=\"Scrape failed\"") != 1 || !strings.Contains(got, "503 Service Unavailable") {
		t.Errorf("want one warning naming the status, logs:\n%s", got)
	}
}

func TestManagerFailures(t *testing.T) {
	big := bytes.Repeat([]byte("envoy_cluster_upstream_rq_total{cluster=\"outbound|9080||reviews.default.svc.cluster.local\"} 1\n"), 64)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		jc      JobConfig
		wantLog string
	}{
		{
			name: "timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done() // Hang until the scraper gives up.
			},
			jc:      JobConfig{ScrapeTimeout: 30 * time.Millisecond},
			wantLog: "context deadline exceeded",
		},
		{
			name: "body size limit",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write(big)
			},
			jc:      JobConfig{BodySizeLimit: 1024},
			wantLog: "body size limit exceeded",
		},
		{
			name: "body size limit counts inflated bytes",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Encoding", "gzip")
				gz := gzip.NewWriter(w)
				_, _ = gz.Write(big)
				_ = gz.Close()
			},
			jc:      JobConfig{BodySizeLimit: 1024},
			wantLog: "body size limit exceeded",
		},
		{
			name: "garbage",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte("<html><body>no metrics here</body></html>"))
			},
			wantLog: "parsing text/plain",
		},
		{
			name: "sample limit",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte("a 1\nb 2\n"))
			},
			jc:      JobConfig{SampleLimit: 1},
			wantLog: "sample limit exceeded",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			s, logs := startManager(t, srv, tc.jc)
			// The loop goes on after a failure.
			b := s.waitFor(t, "two scrapes", atLeast(2))
			for _, md := range b[:2] {
				if up := reportValue(t, md, "up"); up != 0 {
					t.Errorf("up = %v", up)
				}
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("logs lack %q:\n%s", tc.wantLog, logs)
			}
		})
	}
}

func TestManagerLifecycle(t *testing.T) {
	if _, err := NewManager(Config{}, newSink().consume, nil); err == nil || !strings.Contains(err.Error(), "scrape_configs") {
		t.Errorf("invalid config: %v", err)
	}
	cfg := Config{ScrapeConfigs: []JobConfig{{JobName: "j", StaticConfigs: []StaticConfig{{Targets: []string{"127.0.0.1:1"}}}}}}
	if _, err := NewManager(cfg, nil, nil); err == nil {
		t.Error("nil consume accepted")
	}
	srv := serve(t, []byte("m 1\n"), "text/plain", nil)
	cfg.ScrapeConfigs[0].ScrapeInterval = 50 * time.Millisecond
	cfg.ScrapeConfigs[0].StaticConfigs[0].Targets = []string{strings.TrimPrefix(srv.URL, "http://")}
	s := newSink()
	m, err := NewManager(cfg, s.consume, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown before start: %v", err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err == nil {
		t.Error("second Start accepted")
	}
	s.waitFor(t, "a scrape", atLeast(1))
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := len(s.snapshot())
	// Shutdown waited for the loops: nothing arrives afterwards.
	select {
	case <-s.notify:
		if len(s.snapshot()) != n {
			t.Error("consume called after Shutdown returned")
		}
	default:
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
}
