package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
)

type benchEnv struct {
	app      *backend
	tp       *testProxy
	direct   *http.Request
	viaProxy *http.Request
	client   *http.Client
}

func newBenchEnv(b *testing.B, withTelemetry bool) *benchEnv {
	app := newBenchBackend(b)
	// Without telemetry the proxy runs with its no-op observer, not the
	// tests' recorder (which keeps every record).
	opts := []proxyOpt{func(c *Config) { c.Observer = nil }}
	if withTelemetry {
		zipkin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
		}))
		b.Cleanup(zipkin.Close)
		cfg := telemetry.DefaultConfig()
		cfg.Identity.Workload, cfg.Identity.App, cfg.Identity.Version = "productpage-v1", "productpage", "v1"
		cfg.Identity.Service = "productpage.default.svc.cluster.local"
		cfg.AccessLog.Output, cfg.AccessLog.Path = telemetry.OutputFile, filepath.Join(b.TempDir(), "access.log")
		cfg.Tracing.ZipkinEndpoint = zipkin.URL + "/api/v2/spans"
		tel, err := telemetry.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { tel.Close(b.Context()) })
		opts = append(opts, func(c *Config) { c.Observer, c.Metrics = tel, tel.Handler() })
	}
	tp := startBenchProxy(b, app, opts...)
	env := &benchEnv{app: app, tp: tp, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}}
	env.direct, _ = http.NewRequest("GET", "http://127.0.0.1:"+strconv.Itoa(app.port)+"/details/0", nil)
	env.viaProxy, _ = http.NewRequest("GET", "http://"+tp.Addr("outbound")+"/details/0", nil)
	env.viaProxy.Host = "details:9080"
	b.Cleanup(env.client.CloseIdleConnections)
	return env
}

// newChildEnv is a benchEnv whose proxy is the process c (tp is nil).
func newChildEnv(b *testing.B, c child) *benchEnv {
	env := &benchEnv{app: c.app, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}}
	env.direct, _ = http.NewRequest("GET", "http://127.0.0.1:"+strconv.Itoa(c.app.port)+"/details/0", nil)
	env.viaProxy, _ = http.NewRequest("GET", "http://"+c.addr+"/details/0", nil)
	env.viaProxy.Host = "details:9080"
	b.Cleanup(env.client.CloseIdleConnections)
	return env
}

func (e *benchEnv) once(b *testing.B, req *http.Request) {
	resp, err := e.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkHop measures one request direct to the app and through one
// proxy hop, in the same run: sequential (latency) and parallel
// (throughput; with -cpu 1 it is throughput per core, load generator
// included on the same core).
func BenchmarkHop(b *testing.B) {
	for _, mode := range []string{"direct", "proxy", "proxy+telemetry"} {
		for _, par := range []bool{false, true} {
			name := mode + "/sequential"
			if par {
				name = mode + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				env := newBenchEnv(b, mode == "proxy+telemetry")
				req := env.viaProxy
				if mode == "direct" {
					req = env.direct
				}
				b.ReportAllocs()
				if !par {
					for b.Loop() {
						env.once(b, req)
					}
					return
				}
				b.SetParallelism(8)
				var mu sync.Mutex
				var lat []time.Duration
				b.RunParallel(func(pb *testing.PB) {
					mine := make([]time.Duration, 0, 1024)
					for pb.Next() {
						t0 := time.Now()
						env.once(b, req)
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				reportQuantiles(b, lat)
			})
		}
	}
	b.Run("rss", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(float64(rssKB())/1024, "process-rss-MB")
	})
}

// BenchmarkLatencyAt1k sends requests at a fixed 1,000 per second (open
// loop pacing; each request is far shorter than the 1 ms slot) and reports
// p50 and p99 latency, direct and through one proxy hop with telemetry.
func BenchmarkLatencyAt1k(b *testing.B) {
	for _, mode := range []string{"direct", "proxy", "proxy+telemetry"} {
		b.Run(mode, func(b *testing.B) {
			env := newBenchEnv(b, mode == "proxy+telemetry")
			req := env.viaProxy
			if mode == "direct" {
				req = env.direct
			}
			for range 200 { // warm connections and pools
				env.once(b, req)
			}
			lat := make([]time.Duration, 0, 4096)
			next := time.Now()
			for b.Loop() {
				next = next.Add(time.Millisecond)
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				t0 := time.Now()
				env.once(b, req)
				lat = append(lat, time.Since(t0))
			}
			reportQuantiles(b, lat)
		})
	}
}

// BenchmarkLatencyAtPaired measures the latency one proxy hop adds at
// 1,000 requests per second on a shared, noisy machine: each 1 ms slot
// sends one request direct to the app and one through the proxy, so both
// series see the same interference. It reports both series' p50 and p99
// and their differences (added-p50-µs, added-p99-µs), the per-hop cost.
// "binary" is the shipped meshlens-proxy in a process of its own, with
// all telemetry on, as a sidecar runs; the others run the proxy inside
// the benchmark's process.
func BenchmarkLatencyAtPaired(b *testing.B) {
	for _, mode := range []string{"proxy", "proxy+telemetry", "binary"} {
		b.Run(mode, func(b *testing.B) {
			var env *benchEnv
			if mode == "binary" {
				env = newChildEnv(b, startBinaryChild(b))
			} else {
				env = newBenchEnv(b, mode == "proxy+telemetry")
			}
			for range 200 { // warm connections and pools
				env.once(b, env.direct)
				env.once(b, env.viaProxy)
			}
			direct := make([]time.Duration, 0, 4096)
			proxied := make([]time.Duration, 0, 4096)
			next := time.Now()
			i := 0
			for b.Loop() {
				next = next.Add(time.Millisecond)
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				// Alternate which goes first, so neither always runs
				// right after the sleep.
				first, second := env.direct, env.viaProxy
				if i%2 == 1 {
					first, second = second, first
				}
				i++
				for _, req := range []*http.Request{first, second} {
					t0 := time.Now()
					env.once(b, req)
					if req == env.direct {
						direct = append(direct, time.Since(t0))
					} else {
						proxied = append(proxied, time.Since(t0))
					}
				}
			}
			slices.Sort(direct)
			slices.Sort(proxied)
			q := func(lat []time.Duration, p float64) float64 {
				return float64(lat[int(p*float64(len(lat)-1))].Microseconds())
			}
			b.ReportMetric(q(direct, 0.5), "direct-p50-µs")
			b.ReportMetric(q(direct, 0.99), "direct-p99-µs")
			b.ReportMetric(q(proxied, 0.5), "proxy-p50-µs")
			b.ReportMetric(q(proxied, 0.99), "proxy-p99-µs")
			b.ReportMetric(q(proxied, 0.5)-q(direct, 0.5), "added-p50-µs")
			b.ReportMetric(q(proxied, 0.99)-q(direct, 0.99), "added-p99-µs")
		})
	}
}

// reportQuantiles reports the p50 and p99 of request latencies.
func reportQuantiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// rssKB is this test process's resident set (proxy, backend and client
// together).
func rssKB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func newBenchBackend(b *testing.B) *backend {
	be := &backend{app: "details", version: "v1"}
	be.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "details v1")
	}))
	be.port = be.srv.Listener.Addr().(*net.TCPAddr).Port
	b.Cleanup(be.srv.Close)
	return be
}

func startBenchProxy(b *testing.B, app *backend, opts ...proxyOpt) *testProxy {
	return startProxy(b, route.Identity{Service: "productpage", Namespace: "default", Version: "v1"}, registryYAML("details", "HTTP", app), "", opts...)
}
