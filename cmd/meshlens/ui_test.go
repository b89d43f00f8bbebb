package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	reporterhttp "github.com/openzipkin/zipkin-go/reporter/http"

	"github.com/meshlens/meshlens/internal/istiotest"
	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/meshapi"
)

// browser drives one headless Chromium tab; JS exceptions on the page fail
// the test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(testutil.Chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("starting chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				b.mu.Lock()
				if m.IsException() {
					b.errors = append(b.errors, m.String())
				}
				b.mu.Unlock()
				t.Logf("browser console %s: %s (%s:%d)", m.Type, m, m.URL, m.Line+1)
			}
		}
	}()
	return b
}

// do runs actions with a deadline.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JS expression and decodes its value into v.
func (b *browser) eval(expr string, v any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("decoding %s: %v", raw, err)
	}
}

// clickNode clicks, with the mouse, the graph node of service and version,
// and waits for the view it opens. The click lands only after Cytoscape has
// drawn two frames since the layout: its hit test reads the bounding boxes a
// frame computes, so a click before that frame hits nothing (seen on a
// loaded CI machine). If the view still does not change, the state at the
// click point is logged and the click is tried again; a second miss fails.
func (b *browser) clickNode(service, version, view string) {
	b.t.Helper()
	for attempt := 1; ; attempt++ {
		var at struct {
			X, Y float64
			Hit  string
		}
		ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](fmt.Sprintf(`new Promise((resolve) =>
			requestAnimationFrame(() => requestAnimationFrame(() => {
				const cy = window.meshlens.cy;
				const n = cy.nodes().filter((n) => n.data('service') === %q && n.data('version') === %q)[0];
				if (!n) { resolve({hit: 'no such node'}); return; }
				const p = n.renderedPosition(); const r = document.getElementById('cy').getBoundingClientRect();
				const x = r.left + p.x, y = r.top + p.y, e = document.elementFromPoint(x, y);
				resolve({x, y, hit: e ? e.tagName + ' in #' + (e.closest('[id]') || {}).id : 'nothing'});
			})))`, service, version), chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			b.t.Fatalf("locating the %s %s node: %v", service, version, err)
		}
		if err := json.Unmarshal(raw, &at); err != nil {
			b.t.Fatalf("decoding %s: %v", raw, err)
		}
		if at.Hit == "no such node" {
			b.t.Fatalf("the graph has no %s %s node", service, version)
		}
		b.do(fmt.Sprintf("clicking the %s %s node", service, version), chromedp.MouseClickXY(at.X, at.Y))
		ctx, cancel = context.WithTimeout(b.ctx, 8*time.Second)
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById('view').dataset.view === %q`, view),
			chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			break
		}
		if attempt == 2 {
			b.t.Fatalf("two clicks on the %s %s node at (%.0f, %.0f) over %s did not open the %s view", service, version, at.X, at.Y, at.Hit, view)
		}
		b.t.Logf("a click on the %s %s node at (%.0f, %.0f) over %s did not open the %s view; clicking again", service, version, at.X, at.Y, at.Hit, view)
	}
	b.waitView(view)
}

// waitView waits until #view shows view and has finished loading; it fails
// the test when the view reports an error.
func (b *browser) waitView(view string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	state, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(
		`(() => { const v = document.getElementById('view'); return v && v.dataset.view === %q && v.dataset.state !== 'loading' && v.dataset.state; })()`, view),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(25*time.Second)))
	if err != nil {
		var loc string
		b.eval(`location.href + ' ' + document.getElementById('view').dataset.view + ' ' + document.getElementById('view').dataset.state`, &loc)
		b.t.Fatalf("waiting for the %s view: %v (at %s)", view, err, loc)
	}
	if state != "ready" {
		var text string
		b.eval(`document.getElementById('view').innerText`, &text)
		b.t.Fatalf("%s view: state %q:\n%.2000s", view, state, text)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		b.t.Fatalf("JavaScript exceptions on the page: %q", b.errors)
	}
}

// screenshot writes a full-page PNG under the test's artifact directory
// (testing's ArtifactDir), or under $MESHLENS_TEST_ARTIFACTS/<test> when set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := b.t.ArtifactDir() // kept with `go test -artifacts -outputdir DIR`
	if env := os.Getenv("MESHLENS_TEST_ARTIFACTS"); env != "" {
		dir = filepath.Join(env, b.t.Name())
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot of the %s page: %s", name, path)
}

// TestUI loads a Bookinfo-like mesh into `meshlens serve` through its real
// receivers (Istio access-log files, Zipkin spans from zipkin-go's HTTP
// reporter, Istio metrics scraped from /stats/prometheus) and drives the
// UI in headless Chromium: the graph shows the mesh's nodes and edges, a
// click on a node opens its service page with charts, the edge page has
// charts, and searching an x-request-id (then its trace id) shows the
// waterfall with each hop's access-log record.
func TestUI(t *testing.T) {
	testutil.Chromium(t) // fail or skip before starting anything
	dir := t.TempDir()
	mesh := newUIMesh(240, time.Now())
	files := mesh.writeLogs(t, dir)

	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = istiotest.Bookinfo.Write(w, time.Now())
	}))
	t.Cleanup(target.Close) // after meshlens stops (cleanups run last-in first-out)

	queryAddr, zipkinAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	startMeshlens(t, testConfig(filepath.Join(dir, "data"), queryAddr, fmt.Sprintf(`
  envoyaccesslog:
    checkpoint_dir: %q
    files:
%s  zipkin: {endpoint: %q}
  prometheus_scrape:
    scrape_configs:
      - job_name: bookinfo
        scrape_interval: 1s
        scrape_timeout: 1s
        metrics_path: /stats/prometheus
        static_configs: [{targets: [%q]}]`, filepath.Join(dir, "ckpt"), files, zipkinAddr, strings.TrimPrefix(target.URL, "http://")),
		`    logs: {receivers: [envoyaccesslog], exporters: [meshlens]}
    traces: {receivers: [zipkin], exporters: [meshlens]}
    metrics: {receivers: [prometheus_scrape], exporters: [meshlens]}`), queryAddr)

	rep := reporterhttp.NewReporter("http://"+zipkinAddr+"/api/v2/spans",
		reporterhttp.BatchSize(500), reporterhttp.BatchInterval(50*time.Millisecond),
		reporterhttp.MaxBacklog(len(mesh.spans)))
	for _, s := range mesh.spans {
		rep.Send(s)
	}
	if err := rep.Close(); err != nil { // flushes
		t.Fatal(err)
	}

	base := "http://" + queryAddr
	want := mesh.lastRequest("v3", false)
	all := url.Values{"start": {"0"}, "end": {"4102444800"}, "limit": {"10000"}}.Encode()
	testutil.WaitFor(t, "every access-log record and the chosen trace stored", 30*time.Second, func() error {
		var recs []meshapi.Record
		if code := getJSON(t, base+meshapi.Prefix+"logs?"+all, &recs); code != http.StatusOK || len(recs) != mesh.records {
			return fmt.Errorf("%d records (HTTP %d), want %d", len(recs), code, mesh.records)
		}
		var req meshapi.RequestAnswer
		if code := getJSON(t, base+meshapi.Prefix+"requests/"+want.id, &req); code != http.StatusOK ||
			len(req.Traces) != 1 || len(req.Traces[0].Spans) != want.spans {
			return fmt.Errorf("request %s: HTTP %d, traces %+v", want.id, code, req.Traces)
		}
		return nil
	})

	// The UI is mounted behind the APIs: API paths keep their answers.
	for _, c := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/service/default/reviews?range=1h", http.StatusOK, "text/html; charset=utf-8"},
		{"GET", "/", http.StatusOK, "text/html; charset=utf-8"},
		{"GET", "/api/meshlens/v1/nope", http.StatusNotFound, "text/plain; charset=utf-8"},
		{"POST", "/api/meshlens/v1/logs", http.StatusMethodNotAllowed, ""},
		{"GET", "/api/v1/status/buildinfo", http.StatusOK, "application/json"},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype) {
			t.Errorf("%s %s: %s %q, want %d %q", c.method, c.path, resp.Status, resp.Header.Get("Content-Type"), c.status, c.ctype)
		}
	}

	b := newBrowser(t, base)

	// The graph.
	b.do("opening the graph", chromedp.Navigate(base+"/graph?range=30m&refresh=off"))
	b.waitView("graph")
	type node struct{ Service, Namespace, Version, Kind, Health string }
	var g struct {
		Nodes []node
		Edges []struct {
			S, T          node
			Label, Health string
		}
		Fallback string
	}
	b.eval(`(() => { const cy = window.meshlens.cy; const d = (n) => ({service: n.data('service'), namespace: n.data('namespace'),
		version: n.data('version'), kind: n.data('kind'), health: n.data('health')});
		return {nodes: cy.nodes().map(d), edges: cy.edges().map((e) => ({s: d(e.source()), t: d(e.target()),
		label: e.data('label'), health: e.data('health')})), fallback: document.getElementById('graph-status').innerText}; })()`, &g)
	t.Logf("graph: %d nodes, %d edges (%s)", len(g.Nodes), len(g.Edges), g.Fallback)
	nodeNames := map[string]bool{}
	for _, n := range g.Nodes {
		nodeNames[n.Service+" "+n.Version] = true
	}
	for _, n := range []string{"productpage v1", "details v1", "reviews v1", "reviews v2", "reviews v3", "ratings v1"} {
		if !nodeNames[n] {
			t.Errorf("graph lacks node %q; nodes: %v", n, nodeNames)
		}
	}
	edges := map[string]string{}
	for _, e := range g.Edges {
		key := fmt.Sprintf("%s %s -> %s %s", e.S.Service, e.S.Version, e.T.Service, e.T.Version)
		edges[key] = e.Health
		if e.Label != "" && !strings.Contains(e.Label, "rps") {
			t.Errorf("edge %s label %q has no rps", key, e.Label)
		}
	}
	for _, e := range []string{"productpage v1 -> details v1", "productpage v1 -> reviews v1", "productpage v1 -> reviews v2",
		"productpage v1 -> reviews v3", "reviews v2 -> ratings v1", "reviews v3 -> ratings v1"} {
		if _, ok := edges[e]; !ok {
			t.Errorf("graph lacks edge %q; edges: %v", e, slices.Sorted(maps.Keys(edges)))
		}
	}
	if _, ok := edges["reviews v1 -> ratings v1"]; ok {
		t.Error("graph has reviews v1 -> ratings v1, which no source saw")
	}
	if h := edges["productpage v1 -> reviews v3"]; h != "failure" && h != "degraded" {
		t.Errorf("productpage -> reviews v3 (>10%% 503 UF) has health %q", h)
	}
	b.screenshot("graph")

	// The namespace filter and the layout choice go into the URL and reload
	// or re-lay the graph in place.
	b.do("filtering namespace default and choosing the circle layout", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.getElementById('graph-controls');
		f.elements.ns.value = 'default'; f.elements.ns.dispatchEvent(new Event('change', {bubbles: true}));
		f.elements.layout.value = 'circle'; f.elements.layout.dispatchEvent(new Event('change', {bubbles: true})); })()`))
	var filtered struct {
		Search string
		Nodes  []node
	}
	pollCtx, cancelPoll := context.WithTimeout(b.ctx, 20*time.Second)
	if _, err := chromedp.Run(pollCtx, chromedp.Poll[bool](`document.querySelector('.graph-page').dataset.loads === '2'`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the graph did not reload after the namespace changed: %v", err)
	}
	cancelPoll()
	b.eval(`({search: location.search, nodes: window.meshlens.cy.nodes().map((n) => ({service: n.data('service'), namespace: n.data('namespace')}))})`, &filtered)
	if q, _ := url.ParseQuery(strings.TrimPrefix(filtered.Search, "?")); q.Get("ns") != "default" || q.Get("layout") != "circle" {
		t.Errorf("URL query after filtering: %q, want ns=default and layout=circle", filtered.Search)
	}
	if !slices.ContainsFunc(filtered.Nodes, func(n node) bool { return n.Service == "reviews" && n.Namespace == "default" }) {
		t.Errorf("namespace default lost reviews: %+v", filtered.Nodes)
	}
	b.do("refreshing now", chromedp.Click(chromedp.CSS(`#graph-controls button[name=now]`)))
	refreshCtx, cancelRefresh := context.WithTimeout(b.ctx, 20*time.Second)
	if _, err := chromedp.Run(refreshCtx, chromedp.Poll[bool](`document.querySelector('.graph-page').dataset.loads === '3'`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Errorf("\"Refresh now\" did not reload the graph: %v", err)
	}
	cancelRefresh()
	b.do("back to the full graph", chromedp.Navigate(base+"/graph?range=30m&refresh=off"))
	b.waitView("graph")

	// A click on the reviews v2 node opens the service page.
	b.clickNode("reviews", "v2", "service")
	var page struct {
		Path      string
		Charts    []int
		Lines     int
		Endpoints int
		Failing   []string
		Traces    int
	}
	readDetail := func() {
		b.eval(`({path: location.pathname,
			charts: [...document.querySelectorAll('figure.chart')].map((f) => Number(f.dataset.points)),
			lines: document.querySelectorAll('figure.chart path.series').length,
			endpoints: document.querySelectorAll('table.endpoints tbody tr').length,
			failing: [...document.querySelectorAll('table.failing tbody tr .flags')].map((c) => c.innerText),
			traces: document.querySelectorAll('table.traces tbody tr').length})`, &page)
	}
	readDetail()
	if page.Path != "/service/default/reviews" {
		t.Errorf("the click opened %s, want /service/default/reviews", page.Path)
	}
	if len(page.Charts) != 3 || slices.Contains(page.Charts, 0) || page.Lines < 5 {
		t.Errorf("service charts: points %v, %d lines; want 3 non-empty charts with 5 lines", page.Charts, page.Lines)
	}
	if page.Endpoints == 0 || page.Traces == 0 || !slices.Contains(page.Failing, "UF") {
		t.Errorf("service page: %d endpoints, %d traces, failing flags %q; want some of each, with UF", page.Endpoints, page.Traces, page.Failing)
	}
	b.screenshot("service")

	// The edge page, from a shareable URL.
	b.do("opening an edge", chromedp.Navigate(base+"/edge/default/productpage/default/reviews?range=30m"))
	b.waitView("edge")
	readDetail()
	if len(page.Charts) != 3 || slices.Contains(page.Charts, 0) || page.Endpoints == 0 || !slices.Contains(page.Failing, "UF") {
		t.Errorf("edge page: charts %v, %d endpoints, failing %q", page.Charts, page.Endpoints, page.Failing)
	}
	b.screenshot("edge")

	// "link to this window" pins the window: absolute start and end.
	b.do("following the permalink", chromedp.Click(chromedp.CSS(`a.permalink`)))
	pinCtx, cancelPin := context.WithTimeout(b.ctx, 20*time.Second)
	if _, err := chromedp.Run(pinCtx, chromedp.Poll[bool](`location.search.includes('start=') && location.search.includes('end=')`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the permalink did not pin the window: %v", err)
	}
	cancelPin()
	b.waitView("edge")
	var pinned struct {
		Range  string
		Charts []int
	}
	b.eval(`({range: document.querySelector('select[name=range]').value,
		charts: [...document.querySelectorAll('figure.chart')].map((f) => Number(f.dataset.points))})`, &pinned)
	if pinned.Range != "custom" || len(pinned.Charts) != 3 || slices.Contains(pinned.Charts, 0) {
		t.Errorf("pinned edge page: range %q, charts %v", pinned.Range, pinned.Charts)
	}

	// Searching the x-request-id, then the trace id, shows the waterfall
	// with every hop's access-log record.
	failed := mesh.lastRequest("v3", true)
	for _, search := range []struct {
		name, q string
		req     uiRequest
		codes   string // the status each span shows, in waterfall order
		texts   []string
	}{
		{"request", want.id, want, "200 200 200 200 200 200 200 200",
			[]string{"outbound|9080|v3|reviews.default.svc.cluster.local", "inbound log of ratings", "0% failed"}},
		{"trace", want.traceID, want, "200 200 200 200 200 200 200 200",
			[]string{"x-request-id " + want.id, "inbound log of ratings"}},
		// The failed call to reviews v3 has one side only, and its flags.
		{"failed-request", failed.id, failed, "200 200 200 200 503 UF",
			[]string{"upstream_reset_before_response_started{connection_failure}", "20% failed"}},
	} {
		b.do("searching "+search.q,
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#search input[name=q]').value = ''`),
			chromedp.SendKeys(chromedp.CSS(`#search input[name=q]`), search.q),
			chromedp.Click(chromedp.CSS(`#search button`)))
		b.waitView("request")
		var req struct {
			Path    string
			Spans   int
			Logs    int
			Missing int
			Bad     int
			Codes   []string
			Text    string
		}
		b.eval(`({path: location.pathname, spans: document.querySelectorAll('.waterfall .span-row').length,
			logs: document.querySelectorAll('.waterfall .hop-log:not(.missing)').length,
			missing: document.querySelectorAll('.hop-log.missing').length,
			bad: document.querySelectorAll('.waterfall .bar.bad').length,
			codes: [...document.querySelectorAll('.span-row > .span-line > .num:last-child')].map((e) => e.innerText.trim()),
			text: document.getElementById('view').innerText})`, &req)
		if req.Path != "/request/"+search.q {
			t.Errorf("search opened %s", req.Path)
		}
		if req.Spans != search.req.spans || req.Logs != search.req.records || req.Missing != 0 {
			t.Errorf("%s %s: %d spans, %d hop records, %d hops without one; want %d spans each with its record (%d)",
				search.name, search.q, req.Spans, req.Logs, req.Missing, search.req.spans, search.req.records)
		}
		if got := strings.Join(req.Codes, " "); got != search.codes {
			t.Errorf("%s page: span statuses %q, want %q", search.name, got, search.codes)
		}
		if wantBad := strings.Count(search.codes, "503"); req.Bad != wantBad {
			t.Errorf("%s page: %d failed bars, want %d", search.name, req.Bad, wantBad)
		}
		for _, s := range append([]string{search.req.id, search.req.traceID, "/reviews/"}, search.texts...) {
			if !strings.Contains(req.Text, s) {
				t.Errorf("%s page lacks %q", search.name, s)
			}
		}
		b.screenshot(search.name)
	}

	// An id nobody knows is a page that says so, not an error.
	b.do("opening an unknown request", chromedp.Navigate(base+"/request/no-such-request"))
	b.waitView("request")
	var notFound string
	b.eval(`document.querySelector('.request-page').dataset.found`, &notFound)
	if notFound != "false" {
		t.Errorf("unknown request: found=%q, want false", notFound)
	}
}
