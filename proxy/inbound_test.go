package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
)

// TestTwoHops runs app → outbound sidecar → inbound sidecar → app, as in
// a mesh, and checks both sides' records and what the app sees.
func TestTwoHops(t *testing.T) {
	app := newBackend(t, "reviews", "v1", false)
	reviews := route.Identity{Service: "reviews", Namespace: "default", Version: "v1", Workload: "reviews-v1"}
	server := startProxy(t, reviews, registryYAML("reviews", "HTTP", app), "", func(c *Config) {
		c.NoInbound = false
		c.AppAddr = fmt.Sprintf("127.0.0.1:%d", app.port)
	})
	_, inPort, _ := net.SplitHostPort(server.Addr("inbound"))
	reg := fmt.Sprintf("services:\n- name: reviews\n  ports: [{name: http, port: 9080}]\n  endpoints:\n  - {address: 127.0.0.1, ports: {http: %s}, labels: {app: reviews, version: v1}, workload: reviews-v1}\n", inPort)
	clientSide := startProxy(t, productpage, reg, "")

	r := clientSide.get(t, "reviews:9080", "/reviews/7", http.Header{"User-Agent": {"test-agent"}, "X-Forwarded-For": {"10.1.1.1"}})
	if r.code != 200 || r.body != "reviews v1" {
		t.Fatalf("%d %q", r.code, r.body)
	}
	h := app.lastHeader()
	if h.Get(peerHeader) != "" || h.Get("X-Request-Id") == "" || h.Get("User-Agent") != "test-agent" {
		t.Errorf("app headers %v", h)
	}
	out, in := clientSide.rec.last(t), server.rec.last(t)
	if out.RequestID != in.RequestID || out.RequestID != h.Get("X-Request-Id") {
		t.Errorf("request ids: out %q in %q app %q", out.RequestID, in.RequestID, h.Get("X-Request-Id"))
	}
	if in.Direction != telemetry.Inbound || in.UpstreamCluster != "inbound|9080||" || in.UpstreamHost != fmt.Sprintf("127.0.0.1:%d", app.port) ||
		in.Source.Workload != "productpage-v1" || in.Source.App != "productpage" || in.Destination.Workload != "reviews-v1" ||
		in.Destination.Service != "reviews.default.svc.cluster.local" || in.ResponseCode != 200 || in.BytesSent != int64(len("reviews v1")) ||
		in.UserAgent != "test-agent" || in.XForwardedFor != "10.1.1.1" || in.DownstreamLocalAddress != server.Addr("inbound") {
		t.Errorf("inbound record %+v", in)
	}
	if out.Direction != telemetry.Outbound || out.Destination.Workload != "reviews-v1" || out.UpstreamHost != "127.0.0.1:"+inPort || out.UpstreamLocalAddress == "" {
		t.Errorf("outbound record %+v", out)
	}

	// The app is down: inbound answers 503 UF.
	app.srv.Close()
	r = clientSide.get(t, "reviews", "/", nil)
	if in := server.rec.last(t); r.code != 503 || in.ResponseFlags != "UF" {
		t.Errorf("app down: %d, inbound flags %q", r.code, in.ResponseFlags)
	}
}

// TestH2C covers HTTP/2 cleartext on the listeners and to upstreams.
func TestH2C(t *testing.T) {
	b := newBackend(t, "ratings", "v1", true)
	tp := startProxy(t, productpage, registryYAML("ratings", "GRPC", b), "")
	h2 := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return p
	}()}}
	req, _ := http.NewRequest("GET", "http://"+tp.Addr("outbound")+"/", nil)
	req.Host = "ratings"
	resp, err := h2.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.Header.Get("X-Proto") != "HTTP/2.0" || string(body) != "ratings v1" {
		t.Fatalf("downstream %s, upstream %s, body %q", resp.Proto, resp.Header.Get("X-Proto"), body)
	}
	if rec := tp.rec.last(t); rec.Protocol != "HTTP/2" {
		t.Errorf("protocol %q", rec.Protocol)
	}
	// Trailers (as gRPC uses them) pass through.
	b.set(func(_ *backend, _ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		w.Header().Set("Content-Type", "application/grpc")
		w.Write([]byte("\x00\x00\x00\x00\x00"))
		w.Header().Set("Grpc-Status", "0")
	})
	resp, err = h2.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Trailer.Get("Grpc-Status") != "0" {
		t.Errorf("trailers %v", resp.Trailer)
	}
	b.handle.Store(nil)
	// HTTP/1.1 downstream, HTTP/2 upstream.
	if r := tp.get(t, "ratings", "/", nil); r.hdr.Get("X-Proto") != "HTTP/2.0" {
		t.Errorf("upstream proto %q", r.hdr.Get("X-Proto"))
	}
}

func TestAdmin(t *testing.T) {
	b := newBackend(t, "reviews", "v1", false)
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "# TYPE istio_requests_total counter\nistio_requests_total 1\n")
	})
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", b),
		vs("reviews", "  hosts: [reviews]\n  http:\n  - route: [{destination: {host: reviews, subset: v1}}]\n")+dr("reviews", reviewsSubsets),
		func(c *Config) { c.Metrics = metrics })
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + tp.Addr("admin") + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/ready"); code != 200 || body != "LIVE\n" {
		t.Errorf("/ready %d %q", code, body)
	}
	if code, body := get("/stats/prometheus"); code != 200 || !strings.Contains(body, "istio_requests_total 1") {
		t.Errorf("/stats/prometheus %d %q", code, body)
	}
	code, body := get("/config_dump")
	var dump struct {
		Version         int64
		Registry        struct{ Services []struct{ Name string } }
		VirtualServices []struct {
			Name string
			Spec struct{ Hosts []string }
		}
		Clusters []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(body), &dump); err != nil || code != 200 {
		t.Fatalf("/config_dump %d %v", code, err)
	}
	if dump.Version != 1 || len(dump.Registry.Services) != 1 || len(dump.VirtualServices) != 1 || dump.VirtualServices[0].Spec.Hosts[0] != "reviews" || len(dump.Clusters) != 4 {
		t.Errorf("dump %+v", dump)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tp.Close(ctx)
	if _, err := http.Get("http://" + tp.Addr("admin") + "/ready"); err == nil {
		t.Error("admin still serving after Close")
	}
}

func TestHotReload(t *testing.T) {
	v1, v2 := newBackend(t, "reviews", "v1", false), newBackend(t, "reviews", "v2", false)
	rule := func(subset string) string {
		return vs("reviews", "  hosts: [reviews]\n  http:\n  - route: [{destination: {host: reviews, subset: "+subset+"}}]\n") + dr("reviews", reviewsSubsets)
	}
	tp := startProxy(t, productpage, registryYAML("reviews", "HTTP", v1, v2), rule("v1"), func(c *Config) { c.ConfigPoll = 0 })
	if r := tp.get(t, "reviews", "/", nil); r.body != "reviews v1" {
		t.Fatalf("initial %q", r.body)
	}
	writeFile(t, tp.istio+"/rules.yaml", rule("v2"))
	waitFor(t, "v2 rules", func() bool { return tp.get(t, "reviews", "/", nil).body == "reviews v2" })

	// A bad file: rejected, named precisely, and v2 keeps serving.
	writeFile(t, tp.istio+"/rules.yaml", strings.Replace(rule("v1"), "route:", "rout:", 1))
	waitFor(t, "rejection", func() bool { return tp.Watcher().LastError() != nil })
	if e := tp.ConfigDump().LastReloadError; !strings.Contains(e, "rules.yaml") || !strings.Contains(e, "spec.http[0].rout") {
		t.Errorf("error %q", e)
	}
	for range 5 {
		if r := tp.get(t, "reviews", "/", nil); r.body != "reviews v2" {
			t.Fatalf("after bad file: %q", r.body)
		}
	}
	writeFile(t, tp.istio+"/rules.yaml", rule("v1"))
	waitFor(t, "fixed rules", func() bool { return tp.get(t, "reviews", "/", nil).body == "reviews v1" })
	if tp.ConfigDump().LastReloadError != "" || tp.ConfigDump().Version != 3 {
		t.Errorf("after fix: %+v", tp.ConfigDump().Version)
	}

	// Registry changes apply too: a new endpoint.
	v3 := newBackend(t, "reviews", "v3", false)
	writeFile(t, tp.istio+"/rules.yaml", rule("v3"))
	writeFile(t, tp.registry, registryYAML("reviews", "HTTP", v1, v2, v3))
	waitFor(t, "new endpoint", func() bool { return tp.get(t, "reviews", "/", nil).body == "reviews v3" })
}

func TestBadConfigFailsAtStart(t *testing.T) {
	cases := []struct {
		registry, rules, want string
		cfg                   func(*Config)
	}{
		{registry: "services:\n- name: x\n  ports: [{port: 99999}]\n", want: "services[0].ports[0].port"},
		{registry: "services: []\n", rules: vs("r", "  hosts: [r]\n  http:\n  - route: [{destination: {host: r}, weight: -1}]\n"), want: "spec.http[0].route[0].weight"},
		{registry: "services: []\n", want: "identity.service", cfg: func(c *Config) { c.Identity.Service = "" }},
		{registry: "services: []\n", want: "app.address", cfg: func(c *Config) { c.NoInbound = false; c.AppAddr = "nohost" }},
	}
	for _, tc := range cases {
		dir, rules := t.TempDir(), t.TempDir()
		writeFile(t, dir+"/registry.yaml", tc.registry)
		if tc.rules != "" {
			writeFile(t, rules+"/rules.yaml", tc.rules)
		}
		cfg := Config{Identity: productpage, NoInbound: true, Source: sourceOf(dir+"/registry.yaml", rules)}
		if tc.cfg != nil {
			tc.cfg(&cfg)
		}
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: %v, want error naming %q", err, tc.want)
		}
	}
}
