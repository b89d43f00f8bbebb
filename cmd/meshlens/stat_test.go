package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/query/meshapi"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/embedded"
	"github.com/meshlens/meshlens/storage/rollup/rolluptest"
)

// TestStatFromRollups runs `meshlens stat --source` against the API over
// rollups of the fixture mesh.
func TestStatFromRollups(t *testing.T) {
	b, err := embedded.Open(embedded.Config{Path: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	base := time.Now().UTC().Truncate(time.Minute).Add(-4 * time.Minute)
	if err := rolluptest.Feed(t.Context(), b, rolluptest.Bookinfo, base, 3, storage.RollupSources...); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	meshapi.New(b, nil).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--source", "auto"}, []string{"SERVICE", "reviews.default", "HEALTH", "logs,metrics,spans", "±1%"}},
		{[]string{"--source", "spans", "--by", "edge"}, []string{"FROM", "default/productpage/v1", "default/reviews/v2", "failure"}},
	} {
		cmd := newStatCommand()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs(append(c.args, "--server", srv.URL, "--since", "10m"))
		if err := cmd.Execute(); err != nil {
			t.Fatalf("stat %v: %v", c.args, err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("stat %v: no %q in\n%s", c.args, w, out.String())
			}
		}
	}
	cmd := newStatCommand()
	cmd.SetArgs([]string{"--source", "bogus", "--server", srv.URL})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--source") {
		t.Errorf("a bad --source: %v", err)
	}
}

// TestRollupsEndToEnd follows an access-log file through `meshlens serve`:
// the meshlens exporter builds rollups after storing the records, and
// /graph and `meshlens stat --source logs` count every request once.
func TestRollupsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "envoy.log")
	const total = 300
	var body bytes.Buffer
	now := time.Now().UTC()
	for i := range total {
		ts := now.Add(-time.Duration(total-i) * 100 * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		code := 200
		if i%10 == 0 {
			code = 503
		}
		fmt.Fprintf(&body, `[%s] "GET /item/%d HTTP/1.1" %d - via_upstream - "-" 0 42 3 2 "-" "test" "req-%06d" `+
			`"reviews:9080" "10.0.0.2:9080" outbound|9080|v1|ratings.default.svc.cluster.local 10.0.0.1:40000 `+
			"10.0.0.2:9080 10.0.0.1:50000 - default\n", ts, i, code, i)
	}
	if err := os.WriteFile(logPath, body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	queryAddr := testutil.FreeAddr(t)
	startMeshlens(t, fileLogsConfig(dir, queryAddr, logPath, "{service: reviews, namespace: default, version: v2}"), queryAddr)
	api := "http://" + queryAddr + meshapi.Prefix
	window := url.Values{"start": {now.Add(-time.Hour).Format(time.RFC3339)}, "end": {now.Add(time.Minute).Format(time.RFC3339)}}.Encode()
	var g graph.Graph
	testutil.WaitFor(t, "every request in the graph", 30*time.Second, func() error {
		g = graph.Graph{}
		getJSON(t, api+"graph?"+window, &g)
		if len(g.Edges) != 1 || g.Edges[0].RED.Requests != total {
			return fmt.Errorf("edges %+v", g.Edges)
		}
		return nil
	})
	e := g.Edges[0]
	if e.ID != "default/reviews/v2->default/ratings/v1|http" || e.RED.Errors != total/10 || e.Health != graph.Failure ||
		len(e.Sources) != 1 || e.Sources[0] != "logs" {
		t.Errorf("edge %+v", e)
	}
	var out bytes.Buffer
	cmd := newStatCommand()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--source", "logs", "--by", "edge", "--since", "2h", "--server", "http://" + queryAddr})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "default/ratings/v1") || !strings.Contains(out.String(), fmt.Sprint(total)) {
		t.Errorf("stat printed:\n%s", out.String())
	}
}
