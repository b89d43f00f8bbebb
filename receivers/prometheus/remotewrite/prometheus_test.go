package remotewrite

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/storage"
)

const exposition = `# HELP mesh_requests_total Requests.
# TYPE mesh_requests_total counter
mesh_requests_total{code="200"} 7
# HELP mesh_latency_seconds Latency.
# TYPE mesh_latency_seconds histogram
mesh_latency_seconds_bucket{le="0.1"} 1
mesh_latency_seconds_bucket{le="1"} 3
mesh_latency_seconds_bucket{le="+Inf"} 4
mesh_latency_seconds_sum 2.5
mesh_latency_seconds_count 4
# HELP mesh_rpc_seconds RPC durations.
# TYPE mesh_rpc_seconds summary
mesh_rpc_seconds{quantile="0.5"} 0.2
mesh_rpc_seconds_sum 1
mesh_rpc_seconds_count 5
# TYPE mesh_temperature gauge
mesh_temperature 21.5
`

// TestRealPrometheus runs the prometheus binary (when installed) scraping a
// target and remote-writing to the Handler, then takes the target away so
// that Prometheus sends staleness markers. Rows and metadata must be what
// Prometheus scraped.
func TestRealPrometheus(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, exposition)
	}))
	defer target.Close()
	h, s := newTestHandler(t, Config{})
	intake := httptest.NewServer(h)
	defer intake.Close()

	testutil.StartPrometheus(t, fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 500ms}
scrape_configs:
  - job_name: mesh
    static_configs: [{targets: [%q]}]
remote_write:
  - url: %s/api/v1/write
    queue_config: {batch_send_deadline: 100ms, min_backoff: 50ms, max_backoff: 100ms}
    metadata_config: {send: true, send_interval: 1s}
`, target.Listener.Addr().String(), intake.URL))

	instance := target.Listener.Addr().String()
	series := func(name string, kv ...string) labels.Labels {
		return labels.FromStrings(append([]string{labels.MetricName, name, "instance", instance, "job", "mesh"}, kv...)...)
	}
	want := map[string]float64{
		series("mesh_requests_total", "code", "200").String():        7,
		series("mesh_latency_seconds_bucket", "le", "0.1").String():  1,
		series("mesh_latency_seconds_bucket", "le", "1").String():    3, // le as exposed: Prometheus 2 does not normalise
		series("mesh_latency_seconds_bucket", "le", "+Inf").String(): 4,
		series("mesh_latency_seconds_sum").String():                  2.5,
		series("mesh_latency_seconds_count").String():                4,
		series("mesh_rpc_seconds", "quantile", "0.5").String():       0.2,
		series("mesh_rpc_seconds_sum").String():                      1,
		series("mesh_rpc_seconds_count").String():                    5,
		series("mesh_temperature").String():                          21.5,
		series("up").String():                                        1,
	}
	wantMeta := []storage.Metadata{
		{Metric: "mesh_requests_total", Type: "counter", Help: "Requests."},
		{Metric: "mesh_latency_seconds", Type: "histogram", Help: "Latency."},
		{Metric: "mesh_rpc_seconds", Type: "summary", Help: "RPC durations."},
		{Metric: "mesh_temperature", Type: "gauge"},
	}

	seen := map[string][]float64{} // series → values in arrival order
	var meta []storage.Metadata
	collect := func() {
		got, m := rows(t, s.take())
		for _, r := range got {
			seen[r.Labels.String()] = append(seen[r.Labels.String()], r.V)
		}
		meta = append(meta, m...)
	}
	testutil.WaitFor(t, "scraped series and metadata", 20*time.Second, func() error {
		collect()
		for k := range want {
			if len(seen[k]) == 0 {
				return fmt.Errorf("no sample yet for %s", k)
			}
		}
		for _, m := range wantMeta {
			if !slices.Contains(meta, m) {
				return fmt.Errorf("no metadata yet for %+v", m)
			}
		}
		return nil
	})
	for k, v := range want {
		if got := seen[k][0]; got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}

	target.Close() // the next scrape fails: Prometheus marks every series stale
	testutil.WaitFor(t, "staleness markers", 20*time.Second, func() error {
		collect()
		for k := range want {
			if k == series("up").String() {
				continue // up becomes 0, it is not marked stale
			}
			if vs := seen[k]; !value.IsStaleNaN(vs[len(vs)-1]) {
				return fmt.Errorf("%s not marked stale yet", k)
			}
		}
		return nil
	})
	if st := h.Stats(); st.SamplesRejected != 0 || st.SamplesAccepted == 0 {
		t.Errorf("stats %+v", st)
	}
}
