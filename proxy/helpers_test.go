package proxy

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
)

// backend is a real HTTP server acting as one app instance. Its behaviour
// is set per test through handle; by default it answers 200 with
// "<app> <version>".
type backend struct {
	app, version string
	srv          *httptest.Server
	port         int
	hits         atomic.Int64
	conns        atomic.Int64 // TCP connections accepted
	handle       atomic.Pointer[func(b *backend, n int64, w http.ResponseWriter, r *http.Request)]

	mu      sync.Mutex
	headers []http.Header
}

func newBackend(t *testing.T, app, version string, h2c bool) *backend {
	t.Helper()
	b := &backend{app: app, version: version}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := b.hits.Add(1)
		b.mu.Lock()
		b.headers = append(b.headers, r.Header.Clone())
		b.mu.Unlock()
		if f := b.handle.Load(); f != nil {
			(*f)(b, n, w, r)
			return
		}
		b.ok(w, r)
	}))
	b.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.conns.Add(1)
		}
	}
	if h2c {
		b.srv.Config.Protocols = new(http.Protocols)
		b.srv.Config.Protocols.SetUnencryptedHTTP2(true)
	}
	b.srv.Start()
	b.port = b.srv.Listener.Addr().(*net.TCPAddr).Port
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) ok(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Backend", b.app+"-"+b.version)
	w.Header().Set("X-Proto", r.Proto)
	io.Copy(io.Discard, r.Body)
	fmt.Fprintf(w, "%s %s", b.app, b.version)
}

func (b *backend) set(f func(b *backend, n int64, w http.ResponseWriter, r *http.Request)) {
	b.handle.Store(&f)
}

func (b *backend) lastHeader() http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.headers) == 0 {
		return nil
	}
	return b.headers[len(b.headers)-1]
}

// endpointYAML renders a registry endpoint for the backend.
func (b *backend) endpointYAML() string {
	return fmt.Sprintf("  - {address: 127.0.0.1, ports: {http: %d}, labels: {app: %s, version: %s}}\n", b.port, b.app, b.version)
}

func registryYAML(svc string, protocol string, bs ...*backend) string {
	s := fmt.Sprintf("services:\n- name: %s\n  ports: [{name: http, port: 9080, protocol: %s}]\n  endpoints:\n", svc, protocol)
	for _, b := range bs {
		s += b.endpointYAML()
	}
	return s
}

// recorder is a telemetry.Observer that keeps every finished Record.
// The proxy finishes a record after it has sent the response, so readers
// wait for the records of the requests begun so far.
type recorder struct {
	mu     sync.Mutex
	recs   []telemetry.Record
	seqs   []int64 // the Begin sequence number of each record
	begun  int64   // Begin calls so far; the latest has this number
	nextID atomic.Int64
}

type recObservation struct {
	r   *recorder
	id  string
	seq int64
}

func (r *recorder) Begin(_ telemetry.Direction, h http.Header) telemetry.Observation {
	id := h.Get("X-Request-Id")
	if id == "" {
		id = "req-" + strconv.FormatInt(r.nextID.Add(1), 10)
		h.Set("X-Request-Id", id)
	}
	r.mu.Lock()
	r.begun++
	seq := r.begun
	r.mu.Unlock()
	return recObservation{r: r, id: id, seq: seq}
}

func (o recObservation) RequestID() string { return o.id }
func (o recObservation) Finish(rec *telemetry.Record) {
	o.r.mu.Lock()
	o.r.recs = append(o.r.recs, *rec)
	o.r.seqs = append(o.r.seqs, o.seq)
	o.r.mu.Unlock()
}

// all returns every record once each request begun so far has finished.
func (r *recorder) all(t *testing.T) []telemetry.Record {
	t.Helper()
	var out []telemetry.Record
	waitFor(t, "every record", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		out = append([]telemetry.Record(nil), r.recs...)
		return int64(len(r.recs)) == r.begun
	})
	return out
}

// last returns the record of the latest request begun, once it finished.
func (r *recorder) last(t *testing.T) telemetry.Record {
	t.Helper()
	var rec telemetry.Record
	waitFor(t, "a record", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i := len(r.seqs) - 1; i >= 0; i-- {
			if r.begun > 0 && r.seqs[i] == r.begun {
				rec = r.recs[i]
				return true
			}
		}
		return false
	})
	return rec
}

// testProxy is a running proxy with its config files.
type testProxy struct {
	*Proxy
	dir, registry, istio string
	rec                  *recorder
}

type proxyOpt func(*Config)

func startProxy(t testing.TB, id route.Identity, registry string, rules string, opts ...proxyOpt) *testProxy {
	t.Helper()
	dir := t.TempDir()
	tp := &testProxy{dir: dir, registry: filepath.Join(dir, "registry.yaml"), istio: filepath.Join(dir, "istio"), rec: &recorder{}}
	os.Mkdir(tp.istio, 0o755)
	writeFile(t, tp.registry, registry)
	if rules != "" {
		writeFile(t, filepath.Join(tp.istio, "rules.yaml"), rules)
	}
	cfg := Config{
		OutboundAddr: "127.0.0.1:0", InboundAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", NoInbound: true,
		Identity: id, Observer: tp.rec, ConfigPoll: time.Hour,
	}
	cfg.Source.RegistryFile, cfg.Source.IstioDir = tp.registry, tp.istio
	for _, o := range opts {
		o(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	tp.Proxy = p
	return tp
}

var productpage = route.Identity{Service: "productpage", Namespace: "default", Version: "v1"}

func writeFile(t testing.TB, path, s string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}

type result struct {
	code int
	body string
	hdr  http.Header
}

// get sends a request to the proxy's outbound listener with Host host.
func (tp *testProxy) do(t testing.TB, method, host, path string, hdr http.Header, body io.Reader) result {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+tp.Addr("outbound")+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{code: resp.StatusCode, body: string(b), hdr: resp.Header}
}

func (tp *testProxy) get(t testing.TB, host, path string, hdr http.Header) result {
	t.Helper()
	return tp.do(t, "GET", host, path, hdr, nil)
}

func vs(name, body string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + "}\nspec:\n" + body + "---\n"
}

func dr(name, body string) string {
	return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + name + "}\nspec:\n" + body + "---\n"
}

const reviewsSubsets = "  host: reviews\n  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: v2, labels: {version: v2}}\n  - {name: v3, labels: {version: v3}}\n"

// binomialOK checks k successes of n at probability p within 5 sigma.
func binomialOK(t *testing.T, what string, k, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	sigma := math.Sqrt(float64(n) * p * (1 - p))
	if f := float64(k); f < mean-5*sigma || f > mean+5*sigma {
		t.Errorf("%s: %d of %d, want %.0f ± %.0f (5 sigma)", what, k, n, mean, 5*sigma)
	}
}

func sourceOf(registry, istioDir string) config.Source {
	return config.Source{RegistryFile: registry, IstioDir: istioDir}
}
