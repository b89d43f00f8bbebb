package meshapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/query/meshapi"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/embedded"
	"github.com/meshlens/meshlens/storage/rollup/rolluptest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// graphBase is a fixed time, so that golden answers are stable; the
// backend keeps rollups long enough for it.
var graphBase = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fixtureServer serves the API over the embedded backend fed with
// rolluptest.Bookinfo for 5 minutes through all three sources.
func fixtureServer(t *testing.T) *httptest.Server {
	t.Helper()
	b, err := embedded.Open(embedded.Config{Path: t.TempDir(), RollupRetention: 100 * 365 * 24 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if err := rolluptest.Feed(t.Context(), b, rolluptest.Bookinfo, graphBase, 5, storage.RollupSources...); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	meshapi.New(b, nil).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path and returns the envelope's data, raw.
func get(t *testing.T, srv *httptest.Server, path string, wantStatus int) json.RawMessage {
	t.Helper()
	resp, err := http.Get(srv.URL + meshapi.Prefix + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, wantStatus)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return env.Data
}

func golden(t *testing.T, name string, data json.RawMessage) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the answer (run with -update after checking):\n%s", path, buf.String())
	}
}

const window = "start=2026-01-01T12:00:00Z&end=2026-01-01T12:05:00Z"

func TestGraphGolden(t *testing.T) {
	srv := fixtureServer(t)
	for _, c := range []struct{ name, query string }{
		{"graph.golden.json", "graph?" + window},
		{"graph_spans.golden.json", "graph?source=spans&" + window},
		{"services.golden.json", "services?" + window},
		{"series_service.golden.json", "series?kind=service&service=reviews&namespace=default&" + window},
		{"series_edge.golden.json", "series?kind=edge&source_service=productpage&dest_service=reviews&namespace=default&step=120&" + window},
	} {
		t.Run(c.name, func(t *testing.T) { golden(t, c.name, get(t, srv, c.query, http.StatusOK)) })
	}
}

// TestGraphFixture checks the facts the golden files should show, so that
// an -update cannot bless a wrong answer silently.
func TestGraphFixture(t *testing.T) {
	srv := fixtureServer(t)
	var g graph.Graph
	if err := json.Unmarshal(get(t, srv, "graph?"+window, http.StatusOK), &g); err != nil {
		t.Fatal(err)
	}
	nodes := map[string]graph.Node{}
	for _, n := range g.Nodes {
		nodes[n.ID] = n
	}
	for id, kind := range map[string]string{
		"unknown": graph.KindUnknown, "external/api.example.com": graph.KindExternal,
		"istio-system/istio-ingressgateway": graph.KindService, "default/productpage/v1": graph.KindService,
		"default/reviews/v1": graph.KindService, "default/reviews/v2": graph.KindService,
		"default/details/v1": graph.KindService, "default/ratings/v1": graph.KindService,
	} {
		if nodes[id].Kind != kind {
			t.Errorf("node %s: kind %q, want %q (nodes %v)", id, nodes[id].Kind, kind, keys(nodes))
		}
	}
	if len(nodes) != 8 {
		t.Errorf("%d nodes, want 8: %v", len(nodes), keys(nodes))
	}
	edges := map[string]graph.Edge{}
	for _, e := range g.Edges {
		edges[e.ID] = e
	}
	all := []string{"logs", "metrics", "spans"}
	cases := []struct {
		id               string
		requests, errors int64
		sources, missing []string
		health           string
		disagree         []string
	}{
		{"istio-system/istio-ingressgateway->default/productpage/v1|http", 300, 0, all, nil, graph.Healthy, nil},
		{"default/productpage/v1->default/reviews/v1|http", 150, 0, all, nil, graph.Healthy, nil},
		// Spans keep every other call: they disagree on the count and ratio.
		{"default/productpage/v1->default/reviews/v2|http", 150, 15, all, nil, graph.Failure, []string{"requests", "error_ratio"}},
		{"default/productpage/v1->default/details/v1|http", 240, 0, all, nil, graph.Degraded, nil},
		// ratings is not traced: spans are missing.
		{"default/reviews/v2->default/ratings/v1|http", 100, 0, []string{"logs", "metrics"}, []string{"spans"}, graph.Healthy, nil},
		{"unknown->default/productpage/v1|http", 25, 0, all, nil, graph.Healthy, nil},
		{"default/productpage/v1->external/api.example.com|http", 30, 0, []string{"logs"}, []string{"metrics", "spans"}, graph.Healthy, nil},
	}
	for _, c := range cases {
		e, ok := edges[c.id]
		if !ok {
			t.Errorf("no edge %s (edges %v)", c.id, keys(edges))
			continue
		}
		var dis []string
		for _, d := range e.Disagreements {
			dis = append(dis, d.Field)
		}
		if e.RED.Requests != c.requests || e.RED.Errors != c.errors || !equal(e.Sources, c.sources) ||
			!equal(e.Missing, c.missing) || e.Health != c.health || !equal(dis, c.disagree) {
			t.Errorf("edge %s: requests %d errors %d sources %v missing %v health %s disagreements %v\nwant %d %d %v %v %s %v",
				c.id, e.RED.Requests, e.RED.Errors, e.Sources, e.Missing, e.Health, dis,
				c.requests, c.errors, c.sources, c.missing, c.health, c.disagree)
		}
	}
	if len(edges) != len(cases) {
		t.Errorf("%d edges, want %d: %v", len(edges), len(cases), keys(edges))
	}
	if s := edges["default/productpage/v1->default/reviews/v1|http"].MTLSShare; s == nil || *s != 1 {
		t.Errorf("mtls_share of productpage→reviews v1 = %v, want 1", s)
	}
	if s := edges["default/productpage/v1->default/details/v1|http"].MTLSShare; s == nil || *s != 0 {
		t.Errorf("mtls_share of productpage→details = %v, want 0", s)
	}
	if s := edges["default/productpage/v1->external/api.example.com|http"].MTLSShare; s != nil {
		t.Errorf("mtls_share of the external edge = %v, want unknown", *s)
	}
	// The p99 of productpage→reviews v1 from logs: durations are
	// 8ms × (0.5 + k/6), k = 0..9, so the largest, 8 × 2 = 16ms.
	if e := edges["default/productpage/v1->default/reviews/v1|http"]; e.RED.P99 < 16*0.99 || e.RED.P99 > 16*1.01 || e.RED.RelativeError != 0.01 {
		t.Errorf("p99 %v ± %v, want 16ms ± 1%%", e.RED.P99, e.RED.RelativeError)
	}
}

func TestGraphParams(t *testing.T) {
	srv := fixtureServer(t)
	for _, q := range []string{
		"graph?source=bogus", "graph?start=2026-01-01T12:05:00Z&end=2026-01-01T12:00:00Z", "graph?start=yesterday",
		"series?kind=service", "series?kind=edge&source_service=a", "series?kind=node&service=a", "series?kind=service&service=a&step=90",
	} {
		get(t, srv, q, http.StatusBadRequest)
	}
	// Without rollups the endpoints say so.
	mux := http.NewServeMux()
	meshapi.New(struct{}{}, nil).Register(mux)
	bare := httptest.NewServer(mux)
	defer bare.Close()
	for _, p := range []string{"graph", "services", "series?kind=service&service=a"} {
		resp, err := http.Get(bare.URL + meshapi.Prefix + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotImplemented {
			t.Errorf("%s without rollups: %d, want 501", p, resp.StatusCode)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
