package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/proxy/upstream"
)

// deadEndpoint is a registry endpoint whose port refuses connections.
func deadEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return fmt.Sprintf("  - {address: 127.0.0.1, ports: {http: %d}, labels: {app: ratings, version: dead}}\n", port)
}

func failFirst(k int64, code int) func(b *backend, n int64, w http.ResponseWriter, r *http.Request) {
	return func(b *backend, n int64, w http.ResponseWriter, r *http.Request) {
		if n <= k {
			w.WriteHeader(code)
			return
		}
		b.ok(w, r)
	}
}

func hangUp(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		c.Close()
	}
}

func TestRetries(t *testing.T) {
	type tc struct {
		name     string
		retries  string // VirtualService retries block ("" = Istio default)
		handler  func(b *backend, n int64, w http.ResponseWriter, r *http.Request)
		dead     bool // add a refusing endpoint first (round robin)
		code     int
		flags    string
		details  string
		attempts int
		hits     int64
		maxTook  time.Duration
	}
	cases := []tc{
		{name: "plain code", retries: "{attempts: 3, retryOn: \"503\"}", handler: failFirst(2, 503), code: 200, details: "via_upstream", attempts: 3, hits: 3},
		{name: "5xx exhausted", retries: "{attempts: 2, retryOn: 5xx}", handler: failFirst(100, 500), code: 500, flags: "URX", details: "via_upstream", attempts: 3, hits: 3},
		{name: "gateway-error ignores 500", retries: "{attempts: 2, retryOn: gateway-error}", handler: failFirst(100, 500), code: 500, details: "via_upstream", attempts: 1, hits: 1},
		{name: "gateway-error retries 502", retries: "{attempts: 2, retryOn: gateway-error}", handler: failFirst(1, 502), code: 200, details: "via_upstream", attempts: 2, hits: 2},
		{name: "503 not in policy", retries: "{attempts: 2, retryOn: connect-failure}", handler: failFirst(1, 503), code: 503, details: "via_upstream", attempts: 1, hits: 1},
		{name: "istio default retries 503", retries: "", handler: failFirst(2, 503), code: 200, details: "via_upstream", attempts: 3, hits: 3},
		{name: "attempts 0 disables", retries: "{attempts: 0}", handler: failFirst(1, 503), code: 503, details: "via_upstream", attempts: 1, hits: 1},
		{name: "reset retried", retries: "{attempts: 2, retryOn: reset}", handler: func(b *backend, n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				hangUp(b, n, w, r)
				return
			}
			b.ok(w, r)
		}, code: 200, details: "via_upstream", attempts: 2, hits: 2},
		{name: "reset without retry", retries: "{attempts: 0}", handler: hangUp, code: 503, flags: "UC", details: "upstream_reset_before_response_started{connection_termination}", attempts: 1, hits: 1},
		{name: "connect-failure retried", retries: "{attempts: 2, retryOn: connect-failure}", dead: true, code: 200, details: "via_upstream", attempts: 2, hits: 1},
		{name: "connect-failure without retry", retries: "{attempts: 0}", dead: true, code: 503, flags: "UF", details: "upstream_reset_before_response_started{connection_failure}", attempts: 1, hits: 0},
		{name: "per-try timeout", retries: "{attempts: 2, perTryTimeout: 100ms, retryOn: 5xx}", handler: func(b *backend, n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				select {
				case <-time.After(5 * time.Second):
				case <-r.Context().Done():
					return
				}
			}
			b.ok(w, r)
		}, code: 200, details: "via_upstream", attempts: 2, hits: 2, maxTook: 2 * time.Second},
		{name: "per-try timeout exhausted", retries: "{attempts: 1, perTryTimeout: 50ms, retryOn: 5xx}", handler: func(b *backend, n int64, w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, code: 504, flags: "UT,URX", details: "upstream_per_try_timeout", attempts: 2, hits: 2, maxTook: 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBackend(t, "ratings", "v1", false)
			if c.handler != nil {
				b.set(c.handler)
			}
			reg := "services:\n- name: ratings\n  ports: [{name: http, port: 9080}]\n  endpoints:\n"
			if c.dead {
				reg += deadEndpoint(t)
			}
			reg += b.endpointYAML()
			rules := dr("ratings", "  host: ratings\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n")
			if c.retries != "" {
				rules += vs("ratings", "  hosts: [ratings]\n  http:\n  - retries: "+c.retries+"\n    route: [{destination: {host: ratings}}]\n")
			}
			tp := startProxy(t, productpage, reg, rules)
			start := time.Now()
			r := tp.get(t, "ratings", "/", nil)
			took := time.Since(start)
			rec := tp.rec.last(t)
			if r.code != c.code || rec.ResponseFlags != c.flags || rec.ResponseCodeDetails != c.details || rec.Attempts != c.attempts || b.hits.Load() != c.hits {
				t.Errorf("got %d flags %q details %q attempts %d hits %d; want %d %q %q %d %d",
					r.code, rec.ResponseFlags, rec.ResponseCodeDetails, rec.Attempts, b.hits.Load(), c.code, c.flags, c.details, c.attempts, c.hits)
			}
			if c.maxTook > 0 && took > c.maxTook {
				t.Errorf("took %v", took)
			}
			if c.hits > 1 && r.code == 200 {
				if got := b.lastHeader().Get("X-Envoy-Attempt-Count"); got != fmt.Sprint(c.attempts) {
					t.Errorf("attempt count header %q", got)
				}
			}
		})
	}
}

func TestRetryReplaysBody(t *testing.T) {
	b := newBackend(t, "ratings", "v1", false)
	var mu sync.Mutex
	var bodies []string
	b.set(func(b *backend, n int64, w http.ResponseWriter, r *http.Request) {
		buf := new(strings.Builder)
		_, _ = io.Copy(buf, r.Body)
		mu.Lock()
		bodies = append(bodies, buf.String())
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		b.ok(w, r)
	})
	tp := startProxy(t, productpage, registryYAML("ratings", "HTTP", b), "")
	r := tp.do(t, "POST", "ratings", "/", nil, strings.NewReader("payload"))
	if r.code != 200 || len(bodies) != 2 || bodies[0] != "payload" || bodies[1] != "payload" {
		t.Fatalf("%d bodies %q", r.code, bodies)
	}
}

func TestLoadBalancing(t *testing.T) {
	t.Run("ROUND_ROBIN", func(t *testing.T) {
		bs := []*backend{newBackend(t, "details", "v1", false), newBackend(t, "details", "v2", false), newBackend(t, "details", "v3", false)}
		tp := startProxy(t, productpage, registryYAML("details", "HTTP", bs...), dr("details", "  host: details\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"))
		for range 30 {
			tp.get(t, "details", "/", nil)
		}
		for _, b := range bs {
			if b.hits.Load() != 10 {
				t.Errorf("%s: %d hits, want 10", b.version, b.hits.Load())
			}
		}
	})
	t.Run("RANDOM", func(t *testing.T) {
		bs := []*backend{newBackend(t, "details", "v1", false), newBackend(t, "details", "v2", false)}
		tp := startProxy(t, productpage, registryYAML("details", "HTTP", bs...), dr("details", "  host: details\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"))
		const n = 400
		for range n {
			tp.get(t, "details", "/", nil)
		}
		binomialOK(t, "v1 share", int(bs[0].hits.Load()), n, 0.5)
	})
	t.Run("LEAST_REQUEST", func(t *testing.T) {
		release := make(chan struct{})
		busy, idle := newBackend(t, "details", "busy", false), newBackend(t, "details", "idle", false)
		busy.set(func(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
			<-release
			b.ok(w, r)
		})
		tp := startProxy(t, productpage, registryYAML("details", "HTTP", busy, idle), dr("details", "  host: details\n  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}\n"))
		var wg sync.WaitGroup
		const n = 30
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tp.get(t, "details", "/", nil)
			}()
			// Launch the next request only once this one reached a backend.
			waitFor(t, "request at a backend", func() bool { return busy.hits.Load()+idle.hits.Load() == int64(i+1) })
		}
		close(release)
		wg.Wait()
		// Once the busy host holds a request, least-request always prefers
		// the idle one; round robin would have sent it 15.
		if busy.hits.Load() > 2 {
			t.Errorf("busy host got %d of %d", busy.hits.Load(), n)
		}
	})
}

func clusterStatus(tp *testProxy, name string) upstream.Status {
	for _, c := range tp.ConfigDump().Clusters {
		if c.Name == name {
			return c
		}
	}
	return upstream.Status{}
}

func TestCircuitBreaking(t *testing.T) {
	const cluster = "outbound|9080||reviews.default.svc.cluster.local"
	t.Run("maxConnections+pending", func(t *testing.T) {
		release := make(chan struct{})
		b := newBackend(t, "reviews", "v1", false)
		b.set(func(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
			<-release
			b.ok(w, r)
		})
		tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", b),
			dr("reviews", "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: 1}\n      http: {http1MaxPendingRequests: 1}\n"))
		codes := make(chan int, 2)
		go func() { codes <- tp.get(t, "reviews", "/", nil).code }()
		waitFor(t, "first request at the app", func() bool { return b.hits.Load() == 1 })
		go func() { codes <- tp.get(t, "reviews", "/", nil).code }()
		waitFor(t, "second request pending", func() bool { return clusterStatus(tp, cluster).Pending == 1 })
		for range 3 {
			r := tp.get(t, "reviews", "/", nil)
			if r.code != 503 || !strings.Contains(r.body, "overflow") {
				t.Errorf("overflow request: %d %q", r.code, r.body)
			}
		}
		rec := tp.rec.last(t)
		if rec.ResponseFlags != "UO" || rec.ResponseCodeDetails != "overflow" {
			t.Errorf("overflow record %+v", rec)
		}
		close(release)
		if a, b := <-codes, <-codes; a != 200 || b != 200 {
			t.Errorf("admitted requests: %d %d", a, b)
		}
		if b.conns.Load() != 1 {
			t.Errorf("app saw %d connections, want 1", b.conns.Load())
		}
	})
	t.Run("http2MaxRequests", func(t *testing.T) {
		release := make(chan struct{})
		b := newBackend(t, "reviews", "v1", true)
		b.set(func(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
			<-release
			b.ok(w, r)
		})
		tp := startProxy(t, productpage, registryYAML("reviews", "HTTP2", b),
			dr("reviews", "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http: {http2MaxRequests: 2}\n"))
		codes := make(chan int, 2)
		for i := range 2 {
			go func() { codes <- tp.get(t, "reviews", "/", nil).code }()
			waitFor(t, "request at the app", func() bool { return b.hits.Load() == int64(i+1) })
		}
		if r := tp.get(t, "reviews", "/", nil); r.code != 503 {
			t.Errorf("third request: %d", r.code)
		}
		if rec := tp.rec.last(t); rec.ResponseFlags != "UO" {
			t.Errorf("flags %q", rec.ResponseFlags)
		}
		close(release)
		if a, b := <-codes, <-codes; a != 200 || b != 200 {
			t.Errorf("admitted: %d %d", a, b)
		}
	})
	t.Run("maxRequestsPerConnection", func(t *testing.T) {
		for _, c := range []struct{ per, want int64 }{{0, 1}, {1, 10}, {2, 5}} {
			b := newBackend(t, "reviews", "v1", false)
			rules := ""
			if c.per > 0 {
				rules = dr("reviews", fmt.Sprintf("  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http: {maxRequestsPerConnection: %d}\n", c.per))
			}
			tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", b), rules)
			for range 10 {
				if r := tp.get(t, "reviews", "/", nil); r.code != 200 {
					t.Fatalf("status %d", r.code)
				}
			}
			// The client closes a connection at its limit before it could
			// be pooled again, so the count is exact.
			if got := b.conns.Load(); got != c.want {
				t.Errorf("maxRequestsPerConnection %d: %d connections, want %d", c.per, got, c.want)
			}
		}
	})
}

func TestOutlierDetection(t *testing.T) {
	const cluster = "outbound|9080||reviews.default.svc.cluster.local"
	good, bad := newBackend(t, "reviews", "good", false), newBackend(t, "reviews", "bad", false)
	bad.set(func(b *backend, _ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) })
	rules := vs("reviews", "  hosts: [reviews]\n  http:\n  - retries: {attempts: 0}\n    route: [{destination: {host: reviews}}]\n") +
		dr("reviews", `  host: reviews
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    outlierDetection: {consecutive5xxErrors: 3, interval: 100ms, baseEjectionTime: 1s, maxEjectionPercent: 100}
`)
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", good, bad), rules)
	for range 6 {
		tp.get(t, "reviews", "/", nil)
	}
	if bad.hits.Load() != 3 {
		t.Fatalf("bad host hits %d before ejection", bad.hits.Load())
	}
	st := clusterStatus(tp, cluster)
	var badHost upstream.HostStatus
	for _, h := range st.Hosts {
		if strings.HasSuffix(h.Address, fmt.Sprint(bad.port)) {
			badHost = h
		}
	}
	if !badHost.Ejected || badHost.Ejections != 1 {
		t.Fatalf("bad host status %+v", badHost)
	}
	for range 10 {
		if r := tp.get(t, "reviews", "/", nil); r.code != 200 {
			t.Fatalf("request to ejected host: %d", r.code)
		}
	}
	if bad.hits.Load() != 3 {
		t.Fatalf("ejected host received traffic")
	}
	// The ejection ends at a sweep after baseEjectionTime.
	waitFor(t, "ejection to end", func() bool {
		tp.get(t, "reviews", "/", nil)
		return bad.hits.Load() > 3
	})

	t.Run("consecutiveGatewayErrors", func(t *testing.T) {
		ok, gw := newBackend(t, "reviews", "ok", false), newBackend(t, "reviews", "gw", false)
		gw.set(func(b *backend, n int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) })
		rules := vs("reviews", "  hosts: [reviews]\n  http:\n  - retries: {attempts: 0}\n    route: [{destination: {host: reviews}}]\n") +
			dr("reviews", "  host: reviews\n  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n    outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, baseEjectionTime: 1m, maxEjectionPercent: 50}\n")
		tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", ok, gw), rules)
		for range 10 {
			tp.get(t, "reviews", "/", nil)
		}
		if gw.hits.Load() != 2 {
			t.Errorf("gateway-error host hits %d, want 2", gw.hits.Load())
		}
	})
	t.Run("no healthy upstream", func(t *testing.T) {
		only := newBackend(t, "reviews", "v1", false)
		only.set(func(b *backend, _ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
		rules := vs("reviews", "  hosts: [reviews]\n  http:\n  - retries: {attempts: 0}\n    route: [{destination: {host: reviews}}]\n") +
			dr("reviews", "  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 1m, maxEjectionPercent: 100}\n")
		tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", only), rules)
		tp.get(t, "reviews", "/", nil)
		r := tp.get(t, "reviews", "/", nil)
		rec := tp.rec.last(t)
		if r.code != 503 || r.body != "no healthy upstream" || rec.ResponseFlags != "UH" || rec.ResponseCodeDetails != "no_healthy_upstream" {
			t.Errorf("%d %q %+v", r.code, r.body, rec)
		}
	})
}
