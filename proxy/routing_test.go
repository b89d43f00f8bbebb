package proxy

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHostForms(t *testing.T) {
	v1 := newBackend(t, "reviews", "v1", false)
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", v1), "")
	for _, host := range []string{"reviews", "reviews:9080", "reviews.default", "reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local:9080"} {
		if r := tp.get(t, host, "/reviews/1", nil); r.code != 200 || r.body != "reviews v1" {
			t.Errorf("Host %s: %d %q", host, r.code, r.body)
		}
	}
	// Forward-proxy form: the app uses the outbound listener as HTTP proxy.
	proxyURL, _ := url.Parse("http://" + tp.Addr("outbound"))
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	resp, err := c.Get("http://reviews:9080/reviews/1?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Backend") != "reviews-v1" {
		t.Fatalf("forward proxy: %d %v", resp.StatusCode, resp.Header)
	}
	rec := tp.rec.last(t)
	if rec.Path != "/reviews/1?x=1" || rec.Authority != "reviews:9080" || rec.UpstreamCluster != "outbound|9080||reviews.default.svc.cluster.local" ||
		rec.ResponseCodeDetails != "via_upstream" || rec.ResponseFlags != "" || rec.Destination.Version != "v1" || rec.Destination.Workload != "reviews-v1" ||
		rec.Source.Workload != "productpage-v1" || rec.Attempts != 1 || rec.UpstreamServiceTime < 0 || rec.UpstreamHost == "" {
		t.Errorf("record = %+v", rec)
	}
	if h := v1.lastHeader(); h.Get("X-Request-Id") == "" || h.Get("X-Envoy-Attempt-Count") != "1" || h.Get("Proxy-Connection") != "" {
		t.Errorf("upstream headers = %v", h)
	}
	// Unknown host: 404 NR, as Envoy without a matching virtual host.
	r := tp.get(t, "nosuch", "/", nil)
	rec = tp.rec.last(t)
	if r.code != 404 || rec.ResponseFlags != "NR" || rec.ResponseCodeDetails != "route_not_found" {
		t.Errorf("unknown host: %d, record %+v", r.code, rec)
	}
}

func TestRequestRouting(t *testing.T) {
	v1 := newBackend(t, "reviews", "v1", false)
	v2 := newBackend(t, "reviews", "v2", false)
	v3 := newBackend(t, "reviews", "v3", false)
	rules := vs("reviews", `  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{headers: {x-tier: {prefix: gold}}}, {headers: {x-id: {regex: "[0-9]{3}"}}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - match: [{uri: {exact: /exact}, method: {exact: POST}}, {uri: {prefix: /v2api/}}, {uri: {regex: "/r/[a-z]+"}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{uri: {prefix: /only}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{method: {exact: DELETE}}]
    route: [{destination: {host: reviews, subset: v9}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`) + dr("reviews", reviewsSubsets)
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", v1, v2, v3), rules)
	cases := []struct {
		name, method, path string
		hdr                http.Header
		want               string
		code               int
	}{
		{"no match", "GET", "/", nil, "reviews v1", 200},
		{"header exact", "GET", "/", http.Header{"End-User": {"jason"}}, "reviews v2", 200},
		{"header exact is exact", "GET", "/", http.Header{"End-User": {"Jason"}}, "reviews v1", 200},
		{"header prefix", "GET", "/", http.Header{"X-Tier": {"gold-plus"}}, "reviews v3", 200},
		{"header regex", "GET", "/", http.Header{"X-Id": {"123"}}, "reviews v3", 200},
		{"header regex anchored", "GET", "/", http.Header{"X-Id": {"1234"}}, "reviews v1", 200},
		{"uri exact + method", "POST", "/exact", nil, "reviews v2", 200},
		{"uri exact other method", "GET", "/exact", nil, "reviews v1", 200},
		{"uri prefix", "GET", "/v2api/x", nil, "reviews v2", 200},
		{"uri regex", "GET", "/r/abc", nil, "reviews v2", 200},
		{"uri regex anchored", "GET", "/r/abc/d", nil, "reviews v1", 200},
		{"method", "DELETE", "/", nil, "", 503}, // subset v9 does not exist: NC
	}
	for _, tc := range cases {
		r := tp.do(t, tc.method, "reviews", tc.path, tc.hdr, nil)
		if r.code != tc.code || (tc.want != "" && r.body != tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, r.code, r.body, tc.code, tc.want)
		}
	}
	rec := tp.rec.last(t)
	if rec.ResponseFlags != "NC" || rec.ResponseCodeDetails != "cluster_not_found" || rec.UpstreamCluster != "outbound|9080|v9|reviews.default.svc.cluster.local" {
		t.Errorf("NC record = %+v", rec)
	}
	// A VirtualService whose routes all have matches: unmatched requests get 404 NR.
	writeFile(t, tp.istio+"/rules.yaml", vs("reviews", "  hosts: [reviews]\n  http:\n  - match: [{uri: {prefix: /only}}]\n    route: [{destination: {host: reviews}}]\n"))
	tp.Watcher().Check()
	if r := tp.get(t, "reviews", "/other", nil); r.code != 404 {
		t.Errorf("unmatched: %d", r.code)
	}
	if rec := tp.rec.last(t); rec.ResponseFlags != "NR" {
		t.Errorf("unmatched flags %q", rec.ResponseFlags)
	}
}

func TestWeightedSplit(t *testing.T) {
	v1 := newBackend(t, "reviews", "v1", false)
	v3 := newBackend(t, "reviews", "v3", false)
	rules := vs("reviews", `  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v3}, weight: 10}
`) + dr("reviews", reviewsSubsets)
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", v1, v3), rules)
	const n = 1000
	for range n {
		if r := tp.get(t, "reviews", "/", nil); r.code != 200 {
			t.Fatalf("status %d", r.code)
		}
	}
	if v1.hits.Load()+v3.hits.Load() != n {
		t.Fatalf("hits %d + %d", v1.hits.Load(), v3.hits.Load())
	}
	binomialOK(t, "v3 share", int(v3.hits.Load()), n, 0.1)
	// Clusters are named per subset.
	seen := map[string]int{}
	for _, r := range tp.rec.all(t) {
		seen[r.UpstreamCluster]++
	}
	if seen["outbound|9080|v1|reviews.default.svc.cluster.local"] != int(v1.hits.Load()) {
		t.Errorf("cluster names: %v", seen)
	}
}

func TestFaultInjection(t *testing.T) {
	v1 := newBackend(t, "ratings", "v1", false)
	rules := vs("ratings", `  hosts: [ratings]
  http:
  - match: [{headers: {x-fault: {exact: abort}}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: ratings}}]
  - match: [{headers: {x-fault: {exact: half}}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 50}}}
    retries: {attempts: 0}
    route: [{destination: {host: ratings}}]
  - match: [{headers: {x-fault: {exact: delay}}}]
    fault: {delay: {fixedDelay: 150ms}}
    route: [{destination: {host: ratings}}]
  - match: [{headers: {x-fault: {exact: both}}}]
    fault: {delay: {fixedDelay: 1ms, percent: 100}, abort: {httpStatus: 500}}
    route: [{destination: {host: ratings}}]
  - route: [{destination: {host: ratings}}]
`)
	tp := startProxy(t, productpage, registryYAML("ratings", "HTTP", v1), rules)

	r := tp.get(t, "ratings", "/", http.Header{"X-Fault": {"abort"}})
	rec := tp.rec.last(t)
	if r.code != 418 || r.body != "fault filter abort" || rec.ResponseFlags != "FI" || rec.ResponseCodeDetails != "fault_filter_abort" || v1.hits.Load() != 0 {
		t.Errorf("abort: %d %q %+v", r.code, r.body, rec)
	}

	start := time.Now()
	r = tp.get(t, "ratings", "/", http.Header{"X-Fault": {"delay"}})
	rec = tp.rec.last(t)
	if r.code != 200 || time.Since(start) < 150*time.Millisecond || rec.ResponseFlags != "DI" || rec.Duration < 150*time.Millisecond {
		t.Errorf("delay: %d after %v, %+v", r.code, time.Since(start), rec)
	}

	r = tp.get(t, "ratings", "/", http.Header{"X-Fault": {"both"}})
	if rec = tp.rec.last(t); r.code != 500 || rec.ResponseFlags != "DI,FI" {
		t.Errorf("both: %d %q", r.code, rec.ResponseFlags)
	}

	const n = 400
	aborted := 0
	for range n {
		if tp.get(t, "ratings", "/", http.Header{"X-Fault": {"half"}}).code == 503 {
			aborted++
		}
	}
	binomialOK(t, "aborted", aborted, n, 0.5)
}

func TestTimeout(t *testing.T) {
	slow := newBackend(t, "ratings", "v1", false)
	slow.set(func(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
			return
		}
		b.ok(w, r)
	})
	rules := vs("ratings", "  hosts: [ratings]\n  http:\n  - timeout: 100ms\n    route: [{destination: {host: ratings}}]\n")
	tp := startProxy(t, productpage, registryYAML("ratings", "HTTP", slow), rules)
	start := time.Now()
	r := tp.get(t, "ratings", "/", nil)
	took := time.Since(start)
	rec := tp.rec.last(t)
	if r.code != 504 || r.body != "upstream request timeout" || took > 1500*time.Millisecond || took < 100*time.Millisecond {
		t.Errorf("timeout: %d %q after %v", r.code, r.body, took)
	}
	if rec.ResponseFlags != "UT" || rec.ResponseCodeDetails != "upstream_response_timeout" {
		t.Errorf("record flags %q details %q", rec.ResponseFlags, rec.ResponseCodeDetails)
	}
}

func TestStreaming(t *testing.T) {
	release := make(chan struct{})
	b := newBackend(t, "events", "v1", false)
	b.set(func(_ *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first\n"))
		w.(http.Flusher).Flush()
		<-release
		w.Write([]byte("second\n"))
	})
	tp := startProxy(t, productpage, registryYAML("events", "HTTP", b), "")
	req, _ := http.NewRequest("GET", "http://"+tp.Addr("outbound")+"/stream", nil)
	req.Host = "events"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 6)
	if _, err := resp.Body.Read(buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("first chunk not streamed: %q %v", buf, err)
	}
	close(release)
	rest := new(strings.Builder)
	if _, err := io.Copy(rest, resp.Body); err != nil || rest.String() != "second\n" {
		t.Fatalf("rest %q %v", rest, err)
	}

	// A large upload streams through (beyond the retry buffer) intact.
	b.set(func(_ *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Write([]byte(strings.Repeat("x", int(n/1024))))
	})
	body := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	res := tp.do(t, "POST", "events", "/upload", nil, strings.NewReader(body))
	rec := tp.rec.last(t)
	if res.code != 200 || len(res.body) != 1024 || rec.BytesReceived != int64(len(body)) || rec.BytesSent != 1024 {
		t.Errorf("upload: %d len %d, record rx %d tx %d", res.code, len(res.body), rec.BytesReceived, rec.BytesSent)
	}
}

// TestUpstreamResetMidBody: the app dies after sending part of the body;
// the proxy resets the downstream stream instead of ending it cleanly.
func TestUpstreamResetMidBody(t *testing.T) {
	b := newBackend(t, "events", "v1", false)
	b.set(func(_ *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	})
	tp := startProxy(t, productpage, registryYAML("events", "HTTP", b), "")
	req, _ := http.NewRequest("GET", "http://"+tp.Addr("outbound")+"/", nil)
	req.Host = "events"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("downstream saw a clean end of a truncated body")
	}
	rec := tp.rec.last(t)
	if rec.ResponseCode != 200 || rec.ResponseFlags != "UC" || rec.ResponseCodeDetails != "upstream_reset_after_response_started{connection_termination}" || rec.BytesSent != 7 {
		t.Errorf("record %+v", rec)
	}
}

func TestHeaderManipulation(t *testing.T) {
	b := newBackend(t, "reviews", "v1", false)
	b.set(func(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Internal", "secret")
		w.Header().Set("Server", "app")
		b.ok(w, r)
	})
	rules := vs("reviews", `  hosts: [reviews]
  http:
  - headers:
      request: {set: {x-route: r1}, add: {x-multi: two}, remove: [x-drop]}
      response: {remove: [x-internal], set: {server: envoy}}
    route:
    - destination: {host: reviews}
      headers:
        request: {set: {x-dest: d1}}
        response: {add: {x-dest-resp: "yes"}}
`)
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", b), rules)
	r := tp.get(t, "reviews", "/", http.Header{"X-Drop": {"1"}, "X-Multi": {"one"}, "X-Route": {"client"}})
	h := b.lastHeader()
	if h.Get("X-Route") != "r1" || h.Get("X-Dest") != "d1" || h.Get("X-Drop") != "" || strings.Join(h.Values("X-Multi"), ",") != "one,two" {
		t.Errorf("request headers at the app: %v", h)
	}
	if r.hdr.Get("X-Internal") != "" || r.hdr.Get("Server") != "envoy" || r.hdr.Get("X-Dest-Resp") != "yes" {
		t.Errorf("response headers: %v", r.hdr)
	}
}

func TestRewrite(t *testing.T) {
	b := newBackend(t, "reviews", "v1", false)
	var gotPath, gotHost string
	b.set(func(b *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		gotPath, gotHost = r.URL.RequestURI(), r.Host
		b.ok(w, r)
	})
	rules := vs("reviews", "  hosts: [reviews]\n  http:\n  - match: [{uri: {prefix: /api/v1/}}]\n    rewrite: {uri: /v1/, authority: reviews.backend}\n    route: [{destination: {host: reviews}}]\n")
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", b), rules)
	if r := tp.get(t, "reviews", "/api/v1/items?x=1", nil); r.code != 200 {
		t.Fatalf("status %d", r.code)
	}
	if gotPath != "/v1/items?x=1" || gotHost != "reviews.backend" || b.lastHeader().Get("X-Envoy-Original-Path") != "/api/v1/items" {
		t.Errorf("app saw %s host %s, headers %v", gotPath, gotHost, b.lastHeader())
	}
	if rec := tp.rec.last(t); rec.Path != "/api/v1/items?x=1" {
		t.Errorf("access log path %q, want the original", rec.Path)
	}
}
