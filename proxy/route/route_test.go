package route

import (
	"net/http"
	"testing"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/upstream"
)

const registryYAML = `
services:
- name: reviews
  ports: [{name: http, port: 9080}]
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}}
  - {address: 10.0.0.2, labels: {version: v2}}
  - {address: 10.0.0.3, labels: {version: v3}}
- name: ratings
  namespace: prod
  ports: [{name: http, port: 9080}, {name: grpc, port: 9090, protocol: GRPC}]
  endpoints:
  - {address: 10.0.1.1, ports: {grpc: 19090}, labels: {version: v1}}
`

const rulesYAML = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - name: jason
    match:
    - headers: {end-user: {exact: jason}}
    route:
    - destination: {host: reviews, subset: v2}
  - name: prefix-header
    match:
    - headers: {x-group: {prefix: beta-}}
    - headers: {x-id: {regex: "[0-9]+"}}
    route:
    - destination: {host: reviews, subset: v3}
  - name: uri
    match:
    - uri: {exact: /exact}
      method: {exact: POST}
    - uri: {prefix: /api/}
    - uri: {regex: "/item/[a-z]+"}
    - queryParams: {debug: {exact: "1"}}
    - withoutHeaders: {x-present: {}}
      uri: {exact: /without}
    route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v3}
      weight: 10
    timeout: 2s
    retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,503"}
  - name: missing-subset
    match:
    - uri: {exact: /nc}
    route:
    - destination: {host: reviews, subset: v9}
  - name: fault
    match:
    - uri: {exact: /fault}
    fault:
      delay: {fixedDelay: 7s, percentage: {value: 25}}
      abort: {httpStatus: 418}
    route:
    - destination: {host: reviews, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool:
      tcp: {maxConnections: 3}
    outlierDetection: {consecutive5xxErrors: 2, baseEjectionTime: 1m}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: RANDOM}
  - name: v3
    labels: {version: v3}
`

func compileTest(t testing.TB) *Table {
	t.Helper()
	reg, err := config.ParseRegistry([]byte(registryYAML))
	if err != nil {
		t.Fatal(err)
	}
	ic := &config.IstioConfig{}
	if err := ic.Parse("rules.yaml", []byte(rulesYAML)); err != nil {
		t.Fatal(err)
	}
	tb, err := Compile(&config.Snapshot{Version: 1, Registry: reg, Istio: ic}, Identity{Service: "productpage", Namespace: "default"}, upstream.NewManager())
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestLookupHost(t *testing.T) {
	tb := compileTest(t)
	cases := []struct {
		host, fqdn string
		port       uint32
	}{
		{"reviews", "reviews.default.svc.cluster.local", 9080},
		{"reviews:9080", "reviews.default.svc.cluster.local", 9080},
		{"reviews.default", "reviews.default.svc.cluster.local", 9080},
		{"reviews.default.svc.cluster.local:9080", "reviews.default.svc.cluster.local", 9080},
		{"Reviews.Default.svc.cluster.local.", "reviews.default.svc.cluster.local", 9080},
		{"ratings.prod:9090", "ratings.prod.svc.cluster.local", 9090},
		{"ratings", "", 0}, // another namespace needs the namespace
		{"reviews:1234", "", 0},
		{"unknown", "", 0},
		{"reviews:x", "", 0},
	}
	for _, tc := range cases {
		svc, port, ok := tb.LookupHost(tc.host)
		if tc.fqdn == "" {
			if ok {
				t.Errorf("LookupHost(%q) = %s, want none", tc.host, svc.FQDN)
			}
			continue
		}
		if !ok || svc.FQDN != tc.fqdn || port != tc.port {
			t.Errorf("LookupHost(%q) = %v %d %v", tc.host, svc, port, ok)
		}
	}
}

func TestMatch(t *testing.T) {
	tb := compileTest(t)
	svc, _, _ := tb.LookupHost("reviews")
	cases := []struct {
		name, method, path, query string
		header                    http.Header
		route                     string // "" = no match
	}{
		{"header exact", "GET", "/", "", http.Header{"End-User": {"jason"}}, "jason"},
		{"header exact mismatch", "GET", "/", "", http.Header{"End-User": {"jasonx"}}, ""},
		{"header prefix", "GET", "/", "", http.Header{"X-Group": {"beta-1"}}, "prefix-header"},
		{"header regex", "GET", "/", "", http.Header{"X-Id": {"123"}}, "prefix-header"},
		{"header regex is anchored", "GET", "/", "", http.Header{"X-Id": {"12a"}}, ""},
		{"uri exact+method", "POST", "/exact", "", nil, "uri"},
		{"uri exact wrong method", "GET", "/exact", "", nil, ""},
		{"uri prefix", "GET", "/api/v1", "", nil, "uri"},
		{"uri regex", "GET", "/item/abc", "", nil, "uri"},
		{"uri regex anchored", "GET", "/item/abc/def", "", nil, ""},
		{"query", "GET", "/q", "debug=1&x=2", nil, "uri"},
		{"without header absent", "GET", "/without", "", nil, "uri"},
		{"without header present", "GET", "/without", "", http.Header{"X-Present": {"1"}}, ""},
		{"first match wins", "GET", "/api/x", "", http.Header{"End-User": {"jason"}}, "jason"},
	}
	for _, tc := range cases {
		h := tc.header
		if h == nil {
			h = http.Header{}
		}
		rt := svc.Match(&Request{Method: tc.method, Path: tc.path, RawQuery: tc.query, Port: 9080, Header: h})
		got := ""
		if rt != nil {
			got = rt.Name
		}
		if got != tc.route {
			t.Errorf("%s: route = %q, want %q", tc.name, got, tc.route)
		}
	}
}

func TestCompiledRoutes(t *testing.T) {
	tb := compileTest(t)
	svc, _, _ := tb.LookupHost("reviews")
	byName := map[string]*Route{}
	for _, rt := range svc.routes[9080] {
		byName[rt.Name] = rt
	}
	uri := byName["uri"]
	if uri.Timeout.Seconds() != 2 || uri.Retry.Attempts != 3 || uri.Retry.PerTryTimeout.Milliseconds() != 500 ||
		!uri.Retry.On.FiveXX || len(uri.Retry.On.Codes) != 1 {
		t.Errorf("uri route = %+v", uri)
	}
	if len(uri.Dests) != 2 || uri.Dests[0].ClusterName != "outbound|9080|v1|reviews.default.svc.cluster.local" || uri.Dests[1].Weight != 10 {
		t.Errorf("dests = %+v", uri.Dests)
	}
	c1 := uri.Dests[0].Cluster
	if c1 == nil || len(c1.Hosts()) != 1 || c1.Hosts()[0].Address != "10.0.0.1:9080" || c1.Policy.LB != upstream.RoundRobin ||
		c1.Policy.MaxConnections != 3 || c1.Policy.Outlier.Consecutive5xx != 2 || c1.Policy.Outlier.BaseEjectionTime.Minutes() != 1 {
		t.Errorf("v1 cluster = %+v", c1)
	}
	if c := byName["jason"].Dests[0].Cluster; c == nil || c.Policy.LB != upstream.Random || c.Policy.MaxConnections != 3 {
		t.Errorf("v2 subset policy should override lb only: %+v", c)
	}
	if nc := byName["missing-subset"].Dests[0]; nc.Cluster != nil || nc.ClusterName != "outbound|9080|v9|reviews.default.svc.cluster.local" {
		t.Errorf("missing subset dest = %+v", nc)
	}
	if len(tb.Warnings) == 0 {
		t.Error("no warning for the missing subset")
	}
	f := byName["fault"].Fault
	if f == nil || f.Delay.Seconds() != 7 || f.DelayFraction != 0.25 || f.AbortStatus != 418 || f.AbortFraction != 1 {
		t.Errorf("fault = %+v", f)
	}
	// A service without a VirtualService routes to all endpoints with
	// Istio's default retries; its GRPC port speaks h2c.
	rs, port, _ := tb.LookupHost("ratings.prod:9090")
	rt := rs.Match(&Request{Method: "GET", Path: "/", Port: port, Header: http.Header{}})
	if rt == nil || rt.Retry.Attempts != 2 || rt.Dests[0].ClusterName != "outbound|9090||ratings.prod.svc.cluster.local" {
		t.Fatalf("default route = %+v", rt)
	}
	if c := rt.Dests[0].Cluster; !c.Policy.HTTP2 || c.Hosts()[0].Address != "10.0.1.1:19090" {
		t.Errorf("grpc cluster = %+v", c.Spec)
	}
}

func TestWeightedPick(t *testing.T) {
	tb := compileTest(t)
	svc, _, _ := tb.LookupHost("reviews")
	rt := svc.Match(&Request{Method: "GET", Path: "/api/", Port: 9080, Header: http.Header{}})
	const n = 20000
	v3 := 0
	for range n {
		if rt.Pick().Weight == 10 {
			v3++
		}
	}
	// Binomial(n, 0.1): mean 2000, sigma ~42; allow 5 sigma.
	if v3 < 2000-5*42 || v3 > 2000+5*42 {
		t.Errorf("v3 picked %d of %d", v3, n)
	}
}

func TestCompileKeepsClustersAcrossReloads(t *testing.T) {
	reg, _ := config.ParseRegistry([]byte(registryYAML))
	m := upstream.NewManager()
	snap := &config.Snapshot{Registry: reg, Istio: &config.IstioConfig{}}
	t1, err := Compile(snap, Identity{Service: "x"}, m)
	if err != nil {
		t.Fatal(err)
	}
	t2, err := Compile(snap, Identity{Service: "x"}, m)
	if err != nil {
		t.Fatal(err)
	}
	s1, _, _ := t1.LookupHost("reviews")
	s2, _, _ := t2.LookupHost("reviews")
	if s1.routes[9080][0].Dests[0].Cluster != s2.routes[9080][0].Dests[0].Cluster {
		t.Error("unchanged cluster was rebuilt")
	}
}

func BenchmarkMatch(b *testing.B) {
	tb := compileTest(b)
	svc, _, _ := tb.LookupHost("reviews")
	req := &Request{Method: "GET", Path: "/item/abc", Port: 9080, Header: http.Header{"User-Agent": {"x"}}}
	b.ReportAllocs()
	for b.Loop() {
		if svc.Match(req) == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkLookupHost(b *testing.B) {
	tb := compileTest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := tb.LookupHost("reviews:9080"); !ok {
			b.Fatal("no service")
		}
	}
}

func FuzzLookupHost(f *testing.F) {
	tb := compileTest(f)
	for _, s := range []string{"reviews", "reviews:9080", "[::1]:80", "reviews.default.svc.cluster.local.", ":", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		svc, port, ok := tb.LookupHost(host)
		if ok && (svc == nil || port == 0) {
			t.Fatalf("LookupHost(%q) = %v %d %v", host, svc, port, ok)
		}
	})
}

func TestSelectRewrite(t *testing.T) {
	reg, _ := config.ParseRegistry([]byte(registryYAML))
	ic := &config.IstioConfig{}
	err := ic.Parse("rw.yaml", []byte(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /old/}}]
    rewrite: {uri: /new/}
    route: [{destination: {host: reviews}}]
  - match: [{uri: {exact: /exact}}]
    rewrite: {uri: /replaced, authority: reviews.internal}
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /re/}}]
    rewrite: {uriRegexRewrite: {match: "^/re/([a-z]+)/(\\d+)$", rewrite: "/v2/\\2/\\1"}}
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Compile(&config.Snapshot{Registry: reg, Istio: ic}, Identity{Service: "x"}, upstream.NewManager())
	if err != nil {
		t.Fatal(err)
	}
	svc, _, _ := tb.LookupHost("reviews")
	cases := []struct{ path, wantPath, wantAuth string }{
		{"/old/a/b", "/new/a/b", "reviews"},
		{"/exact", "/replaced", "reviews.internal"},
		{"/re/abc/42", "/v2/42/abc", "reviews"},
		{"/other", "/other", "reviews"},
	}
	for _, tc := range cases {
		sel, ok := svc.Select(&Request{Method: "GET", Path: tc.path, Authority: "reviews", Port: 9080, Header: http.Header{}})
		if !ok || sel.Path != tc.wantPath || sel.Authority != tc.wantAuth || sel.Rewritten != (tc.path != tc.wantPath) {
			t.Errorf("%s: %+v", tc.path, sel)
		}
	}
}
