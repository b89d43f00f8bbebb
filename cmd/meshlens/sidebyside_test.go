package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/meshlens/meshlens/internal/istiotest"
	"github.com/meshlens/meshlens/internal/testutil"
)

// TestSideBySideWithPrometheus runs a real Prometheus server and meshlens
// against the same Istio-like target. Prometheus scrapes it as job "istio"
// and remote-writes to meshlens; meshlens scrapes it itself as job "ml".
// The same PromQL must then give the same answers: exactly for the
// remote-written data, and within scrape-phase tolerance for meshlens' own
// scrape.
func TestSideBySideWithPrometheus(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = istiotest.Bookinfo.Write(w, time.Now())
	}))
	defer target.Close()
	targetHost := strings.TrimPrefix(target.URL, "http://")

	queryAddr, rwAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	startMeshlens(t, testConfig(t.TempDir(), queryAddr, fmt.Sprintf(`
  prometheus_scrape:
    scrape_configs:
      - job_name: ml
        scrape_interval: 1s
        scrape_timeout: 1s
        metrics_path: /stats/prometheus
        static_configs: [{targets: [%q]}]
  prometheus_remote_write: {endpoint: %q}`, targetHost, rwAddr),
		"    metrics: {receivers: [prometheus_scrape, prometheus_remote_write], exporters: [meshlens]}"), queryAddr)

	promAddr := testutil.StartPrometheus(t, fmt.Sprintf(`
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: istio
    metrics_path: /stats/prometheus
    static_configs: [{targets: [%q]}]
remote_write:
  - url: http://%s/api/v1/write
    queue_config: {batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 500ms}
`, targetHost, rwAddr))

	prom, ml := newAPI(t, promAddr), newAPI(t, queryAddr)
	ctx := context.Background()

	// Wait until both have 20 s of both jobs before T: the widest query
	// below looks back 6s (range) + 3s (offset) + 5s (window), and every
	// window must hold enough samples that Prometheus 2's closed and
	// Prometheus 3's left-open range selection extrapolate alike.
	var at time.Time
	testutil.WaitFor(t, "20s of data in both servers, regularly scraped", 120*time.Second, func() error {
		at = time.Now().Add(-2 * time.Second).Truncate(time.Second)
		for _, c := range []struct {
			api v1.API
			q   string
		}{
			{prom, `count_over_time(up{job="istio"}[20s])`},
			{ml, `count_over_time(up{job="istio"}[20s])`},
			{ml, `count_over_time(up{job="ml"}[20s])`},
		} {
			v, _, _, err := c.api.Query(ctx, c.q, at)
			if err != nil {
				return err
			}
			vec, _ := v.(model.Vector)
			if len(vec) != 1 || vec[0].Value < 19 {
				return fmt.Errorf("%s = %v", c.q, v)
			}
		}
		// The scraped comparison below holds within its tolerance only
		// where both scrapers kept their 1 s interval: a scrape delayed by
		// a loaded machine changes how rate() extrapolates. So T must have
		// regular scrapes over the widest lookback (14 s) in both.
		for _, c := range []struct {
			api v1.API
			job string
		}{{prom, "istio"}, {ml, "ml"}} {
			if err := regularScrapes(ctx, c.api, c.job, at, 16*time.Second); err != nil {
				return err
			}
		}
		return nil
	})

	queries := []string{
		`up{%s}`,
		`rate(istio_requests_total{%s,reporter="source"}[5s])`,
		`sum by (destination_service) (rate(istio_requests_total{%s}[5s]))`,
		`histogram_quantile(0.99, sum by (le, destination_service) (rate(istio_request_duration_milliseconds_bucket{%s}[5s])))`,
		`histogram_quantile(0.5, sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s,destination_service=~"reviews.*"}[5s])))`,
		`sum by (destination_service) (rate(istio_requests_total{%s,response_code=~"5.."}[5s])) / sum by (destination_service) (rate(istio_requests_total{%s}[5s]))`,
		`sum(rate(istio_requests_total{%s}[5s] offset 3s))`,
		// 5.5s, not 6s: Prometheus 3 made subquery ranges left-open, so a
		// range that is a multiple of the step has one point fewer there
		// than in Debian's Prometheus 2.42.
		`max_over_time(sum(rate(istio_requests_total{%s}[3s]))[5s500ms:1s])`,
		`sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s,reporter="destination"}[4s]))`,
		`rate(istio_request_duration_milliseconds_sum{%s}[5s]) / rate(istio_request_duration_milliseconds_count{%s}[5s])`,
		`count by (__name__) ({%s,__name__=~"istio_.*|envoy_.*|up|scrape_.*"})`,
	}
	rng := v1.Range{Start: at.Add(-6 * time.Second), End: at, Step: time.Second}
	for _, q := range queries {
		promQ := strings.ReplaceAll(q, "%s", `job="istio"`)
		t.Run(promQ, func(t *testing.T) {
			want := instantAndRange(t, prom, promQ, at, rng)
			// Same samples, via remote write: the same answer.
			compare(t, "remote-written", want, instantAndRange(t, ml, promQ, at, rng), 1e-9)
			// meshlens' own scrape of the same target, at its own phase.
			mlQ := strings.ReplaceAll(q, "%s", `job="ml"`)
			compare(t, "scraped by meshlens", want, instantAndRange(t, ml, mlQ, at, rng), 0.02)
		})
	}

	// No extra labels, no missing ones: the series sets are identical.
	t.Run("series", func(t *testing.T) {
		want := seriesSet(t, prom, `{job="istio"}`, at)
		compare(t, "remote-written series", want, seriesSet(t, ml, `{job="istio"}`, at), 0)
		compare(t, "scraped series", want, seriesSet(t, ml, `{job="ml"}`, at), 0)
	})
}

// regularScrapes checks that job's raw `up` samples in the window before
// at are 1 s apart, give or take 150 ms.
func regularScrapes(ctx context.Context, a v1.API, job string, at time.Time, window time.Duration) error {
	q := fmt.Sprintf(`up{job=%q}[%ds]`, job, int(window.Seconds()))
	v, _, _, err := a.Query(ctx, q, at)
	if err != nil {
		return err
	}
	m, _ := v.(model.Matrix)
	if len(m) != 1 {
		return fmt.Errorf("%s = %v", q, v)
	}
	pts := m[0].Values
	for i := 1; i < len(pts); i++ {
		if gap := pts[i].Timestamp.Sub(pts[i-1].Timestamp); gap < 850*time.Millisecond || gap > 1150*time.Millisecond {
			return fmt.Errorf("job %s: scrapes %s apart at %s", job, gap, pts[i].Timestamp.Time().UTC().Format(time.TimeOnly))
		}
	}
	return nil
}

func newAPI(t *testing.T, addr string) v1.API {
	c, err := api.NewClient(api.Config{Address: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c)
}

// result maps a normalised series key to its values by timestamp.
type result map[string]map[int64]float64

func instantAndRange(t *testing.T, a v1.API, q string, at time.Time, r v1.Range) result {
	t.Helper()
	out := result{}
	v, _, _, err := a.Query(context.Background(), q, at)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	for _, s := range v.(model.Vector) {
		out.add("instant "+key(s.Metric), int64(s.Timestamp), float64(s.Value))
	}
	m, _, _, err := a.QueryRange(context.Background(), q, r)
	if err != nil {
		t.Fatalf("query_range %s: %v", q, err)
	}
	for _, s := range m.(model.Matrix) {
		for _, p := range s.Values {
			out.add("range "+key(s.Metric), int64(p.Timestamp), float64(p.Value))
		}
	}
	return out
}

func seriesSet(t *testing.T, a v1.API, match string, at time.Time) result {
	t.Helper()
	ss, _, _, err := a.Series(context.Background(), []string{match}, at.Add(-10*time.Second), at)
	if err != nil {
		t.Fatalf("series %s: %v", match, err)
	}
	out := result{}
	for _, s := range ss {
		out.add(key(model.Metric(s)), 0, 1)
	}
	return out
}

func (r result) add(k string, ts int64, v float64) {
	if r[k] == nil {
		r[k] = map[int64]float64{}
	}
	r[k][ts] = v
}

// key renders a label set without `job`, with `le` values compared as
// numbers: Prometheus 2.x stores le="1" as exposed, Prometheus 3 and
// meshlens normalise it to "1.0".
func key(m model.Metric) string {
	var parts []string
	for n, v := range m {
		switch n {
		case "job":
			continue
		case "le":
			if f, err := strconv.ParseFloat(string(v), 64); err == nil {
				v = model.LabelValue(strconv.FormatFloat(f, 'g', -1, 64))
			}
		}
		parts = append(parts, fmt.Sprintf("%s=%q", n, v))
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

func compare(t *testing.T, what string, want, got result, relTol float64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the reference (Prometheus) result is empty", what)
	}
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			t.Errorf("%s: missing series %s", what, k)
			continue
		}
		for ts, w := range wv {
			g, ok := gv[ts]
			if !ok {
				t.Errorf("%s: %s has no point at %d", what, k, ts)
				continue
			}
			if !approxEqual(w, g, relTol) {
				t.Errorf("%s: %s @%d = %v, Prometheus says %v", what, k, ts, g, w)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: extra series %s", what, k)
		}
	}
}

func approxEqual(a, b, relTol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= relTol*math.Max(math.Abs(a), math.Abs(b))
}
