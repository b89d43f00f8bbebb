package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/meshlens/meshlens/internal/chtest"
	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/meshapi"
)

// startClickHouse starts a private ClickHouse server for one test (its
// data under the test's temp dir), stopped at cleanup. Without a server
// the test is skipped, or fails when CI=true.
func startClickHouse(t *testing.T) *chtest.Server {
	t.Helper()
	s, err := chtest.NewServer(t.TempDir())
	if err == nil {
		err = s.Start()
	}
	if err != nil {
		chtest.Unavailable(t, err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// clickhouseConfig is testConfig with the ClickHouse backend on database db
// of the server at chAddr instead of the embedded one. exporter is the
// body of the `meshlens` exporter's config, extraExt more extensions.
func clickhouseConfig(chAddr, db, queryAddr, receivers, pipelines, exporter, extraExt string) string {
	exts := "[meshlens_storage, meshlens_query]"
	if extraExt != "" {
		exts = "[meshlens_storage, meshlens_query, file_storage]"
	}
	return fmt.Sprintf(`
extensions:
  meshlens_storage: {clickhouse: {endpoint: %q, database: %q}}
  meshlens_query: {endpoint: %q, lookback_delta: 5m}
%s
receivers:
%s
exporters:
  meshlens: %s
service:
  extensions: %s
  pipelines:
%s
  telemetry: {metrics: {level: none}, logs: {level: warn}}
`, "tcp://"+chAddr, db, queryAddr, extraExt, receivers, exporter, exts, pipelines)
}

// injection are strings that break naive SQL quoting.
var injection = []string{`it's`, `say "hi"`, `back\slash`, `x' OR '1'='1`, `a; DROP TABLE samples; --`}

// sendCompareData sends the same traces and metrics over OTLP.
func sendCompareData(t *testing.T, otlpAddr string, now time.Time) {
	t.Helper()
	td := ptrace.NewTraces()
	for i, v := range injection {
		tid := pcommon.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, byte(i + 1)}
		add := func(service, name string, kind ptrace.SpanKind, id, parent byte, off time.Duration) {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", service)
			sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
			sp.SetTraceID(tid)
			sp.SetSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, byte(i + 1), id})
			if parent != 0 {
				sp.SetParentSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, byte(i + 1), parent})
			}
			sp.SetName(name)
			sp.SetKind(kind)
			start := now.Add(-time.Minute + time.Duration(i)*time.Second + off)
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(i+1) * time.Millisecond)))
			sp.Attributes().PutStr("guid:x-request-id", "req-"+v)
			sp.Attributes().PutStr("inj", v)
			sp.Attributes().PutInt("http.status_code", 200)
		}
		add("productpage", "GET /reviews", ptrace.SpanKindClient, 1, 0, 0)
		add("reviews", "GET /reviews", ptrace.SpanKindServer, 2, 1, time.Millisecond)
	}
	conn := mustConn(t, otlpAddr)
	if _, err := ptraceotlp.NewGRPCClient(conn).Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(td)); err != nil {
		t.Fatal(err)
	}
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	m := sm.Metrics().AppendEmpty()
	m.SetName("mesh_inj")
	g := m.SetEmptyGauge()
	for i, v := range injection {
		for k := range 3 {
			dp := g.DataPoints().AppendEmpty()
			dp.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Duration(k-2) * time.Minute)))
			dp.SetDoubleValue(float64(10*i + k))
			dp.Attributes().PutStr("v", v)
		}
	}
	if _, err := pmetricotlp.NewGRPCClient(conn).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(md)); err != nil {
		t.Fatal(err)
	}
}

// injPath is an injection string as a request path: Envoy logs paths
// without spaces or double quotes.
func injPath(v string) string {
	return strings.NewReplacer(`"`, `'`, " ", "+").Replace(v)
}

// normalizeAnswer removes from a decoded JSON answer what legitimately
// differs between two meshlens processes fed the same input: the time a
// dead letter was received, and the order of Prometheus series lists and
// vector/matrix results, which the Prometheus API leaves unspecified (the
// embedded TSDB returns series in creation order, ClickHouse by labels).
func normalizeAnswer(path string, v any) any {
	prom := strings.HasPrefix(path, "/api/v1/")
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	switch data := m["data"].(type) {
	case []any:
		for _, e := range data {
			if em, ok := e.(map[string]any); ok {
				delete(em, "received")
			}
		}
		if prom {
			sortByJSON(data)
		}
	case map[string]any:
		if res, ok := data["result"].([]any); ok && prom {
			sortByJSON(res)
		}
	}
	return m
}

func sortByJSON(list []any) {
	key := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	sort.Slice(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
}

// dataLen is the length of the "data" list of a decoded JSON answer, 0
// when there is none.
func dataLen(v any) int {
	m, _ := v.(map[string]any)
	l, _ := m["data"].([]any)
	return len(l)
}

// fetch GETs u and returns the status and the body decoded as JSON.
func fetch(t *testing.T, u string) (int, any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: %s: not JSON: %v\n%s", u, resp.Status, err, body)
	}
	return resp.StatusCode, v
}

// TestClickHouseMatchesEmbedded feeds the same access logs (real Istio
// lines plus lines whose fields carry quotes, backslashes, `--` and `;`),
// traces and metrics into one meshlens on the embedded backend and one on
// ClickHouse, then asks both the same API questions, including searches and
// label matchers built from those strings, and requires identical JSON
// answers, and the right ones for the injection probes.
func TestClickHouseMatchesEmbedded(t *testing.T) {
	ch := startClickHouse(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "istio-proxy.log")
	var body bytes.Buffer
	for _, l := range sampleLines(t) {
		body.WriteString(l + "\n")
	}
	ts := time.Now().UTC().Add(-10 * time.Minute).Format("2006-01-02T15:04:05.000Z")
	for i, v := range injection {
		// A path and user agent carrying the string; a bad line too.
		fmt.Fprintf(&body, `[%s] "GET /inj/%d/%s HTTP/1.1" 200 - via_upstream - "-" 0 42 3 2 "-" "%s" "inj-%d" `+
			`"reviews:9080" "10.0.0.2:9080" outbound|9080|v1|ratings.default.svc.cluster.local 10.0.0.1:40000 `+
			"10.0.0.2:9080 10.0.0.1:50000 - default\n", ts, i, injPath(v), strings.ReplaceAll(v, `"`, `'`), i)
	}
	body.WriteString("not an access log line; DROP TABLE access_logs; --\n")
	if err := os.WriteFile(logPath, body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	type instance struct{ name, query, otlp string }
	var insts []instance
	for _, backend := range []string{"embedded", "clickhouse"} {
		queryAddr, otlpAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
		sub := filepath.Join(dir, backend)
		receivers := fmt.Sprintf("  otlp: {protocols: {grpc: {endpoint: %q}}}\n"+
			"  envoyaccesslog:\n    checkpoint_dir: %q\n"+
			"    files: [{include: [%q], start_at: beginning, poll_interval: 20ms, reporter: {service: sleep, namespace: foo, version: v1, workload: sleep-v1}}]",
			otlpAddr, filepath.Join(sub, "ckpt"), logPath)
		pipelines := "    logs: {receivers: [envoyaccesslog], exporters: [meshlens]}\n" +
			"    traces: {receivers: [otlp], exporters: [meshlens]}\n" +
			"    metrics: {receivers: [otlp], exporters: [meshlens]}"
		cfg := testConfig(filepath.Join(sub, "data"), queryAddr, receivers, pipelines)
		if backend == "clickhouse" {
			cfg = clickhouseConfig(ch.Addr, "compare", queryAddr, receivers, pipelines, "{}", "")
		}
		startMeshlens(t, cfg, queryAddr)
		sendCompareData(t, otlpAddr, now)
		insts = append(insts, instance{backend, "http://" + queryAddr, otlpAddr})
	}

	lines := strings.Count(body.String(), "\n")
	all := url.Values{"start": {"0"}, "end": {"4102444800"}, "limit": {"1000"}}
	for _, in := range insts {
		testutil.WaitFor(t, in.name+": every record, span and sample stored", 30*time.Second, func() error {
			var recs []meshapi.Record
			getJSON(t, in.query+meshapi.Prefix+"logs?"+all.Encode(), &recs)
			var dead []meshapi.DeadLetter
			getJSON(t, in.query+meshapi.Prefix+"deadletters?"+all.Encode(), &dead)
			if len(recs)+len(dead) != lines {
				return fmt.Errorf("%d records and %d dead letters, want %d lines", len(recs), len(dead), lines)
			}
			_, traces := fetch(t, in.query+"/api/traces?service=reviews&limit=100")
			if n := dataLen(traces); n != len(injection) {
				return fmt.Errorf("%d traces, want %d", n, len(injection))
			}
			_, series := fetch(t, in.query+"/api/v1/series?match[]=mesh_inj")
			if n := dataLen(series); n != len(injection) {
				return fmt.Errorf("%d series, want %d", n, len(injection))
			}
			return nil
		})
	}

	at := fmt.Sprint(now.Unix())
	win := url.Values{"start": {fmt.Sprint(now.Add(-2 * time.Hour).Unix())}, "end": {fmt.Sprint(now.Add(time.Minute).Unix())}}
	q := func(kv ...string) string {
		v := url.Values{}
		for k, vv := range all {
			v[k] = vv
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	promQ := func(expr string) string {
		return "/api/v1/query?" + url.Values{"query": {expr}, "time": {at}}.Encode()
	}
	promStr := func(s string) string { // a PromQL double-quoted string
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	paths := []string{
		meshapi.Prefix + "logs?" + all.Encode(),
		meshapi.Prefix + "logs?" + q("flag", "UH"),
		meshapi.Prefix + "logs?" + q("direction", "inbound", "class", "2"),
		meshapi.Prefix + "logs?" + q("request_id", "84961386-6d84-929d-98bd-c5aee93b5c88"),
		meshapi.Prefix + "requests/84961386-6d84-929d-98bd-c5aee93b5c88",
		meshapi.Prefix + "deadletters?" + all.Encode(),
		meshapi.Prefix + "red?by=service&" + win.Encode(),
		meshapi.Prefix + "red?by=edge&" + win.Encode(),
		meshapi.Prefix + "red?by=service&namespace=foo&" + win.Encode(),
		meshapi.Prefix + "graph?" + win.Encode(), // from rollups
		meshapi.Prefix + "services?" + win.Encode(),
		"/api/services",
		"/api/services/reviews/operations",
		"/api/traces?service=reviews&limit=100",
		"/api/traces/4bf92f3577b34da6a3ce929d0e0e4701",
		"/api/v2/services",
		"/api/v2/trace/4bf92f3577b34da6a3ce929d0e0e4702",
		"/api/v1/labels",
		"/api/v1/label/v/values",
		"/api/v1/series?match[]=mesh_inj",
		promQ("mesh_inj"),
		promQ("sum(mesh_inj)"),
		promQ(`count(mesh_inj{v=~".*(--|;).*"})`),
		"/api/v1/query_range?" + url.Values{"query": {"mesh_inj"}, "start": {fmt.Sprint(now.Add(-3 * time.Minute).Unix())},
			"end": {at}, "step": {"30"}}.Encode(),
	}
	// The injection probes: each string as a search value and as a label
	// matcher finds exactly its own record, trace or series.
	for i, v := range injection {
		sv := injPath(v)
		probe := []string{
			meshapi.Prefix + "logs?" + q("path_prefix", fmt.Sprintf("/inj/%d/%s", i, sv)),
			meshapi.Prefix + "logs?" + q("request_id", fmt.Sprintf("inj-%d", i)),
			meshapi.Prefix + "requests/" + url.PathEscape("req-"+v),
			"/api/traces?" + url.Values{"service": {"reviews"}, "tags": {fmt.Sprintf(`{"inj":%q}`, v)}}.Encode(),
			promQ("mesh_inj{v=" + promStr(v) + "}"),
		}
		paths = append(paths, probe...)
		for _, in := range insts {
			var recs []meshapi.Record
			getJSON(t, in.query+probe[0], &recs)
			if len(recs) != 1 || recs[0].RequestID != fmt.Sprintf("inj-%d", i) {
				t.Errorf("%s: path prefix %q found %d records, want inj-%d only", in.name, sv, len(recs), i)
			}
			var vec struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
				} `json:"result"`
			}
			getJSON(t, in.query+probe[4], &vec)
			if res := vec.Result; len(res) != 1 || res[0].Metric["v"] != v {
				t.Errorf("%s: matcher v=%q gave %v, want that one series", in.name, v, vec.Result)
			}
		}
	}
	// And values that match nothing return nothing (and no error).
	for _, v := range []string{`' OR 1=1 --`, `\'; SELECT 1; --`} {
		paths = append(paths,
			meshapi.Prefix+"logs?"+q("service", v),
			meshapi.Prefix+"logs?"+q("path_prefix", v),
			promQ("mesh_inj{v="+promStr(v)+"}"),
			promQ("mesh_inj{v=~"+promStr(v)+"}"))
	}

	// The graph comes from rollups, which the exporter writes to both
	// backends: it must not be empty (an empty answer would match too).
	var graphAnswer struct {
		Edges []any `json:"edges"`
	}
	getJSON(t, insts[1].query+meshapi.Prefix+"graph?"+win.Encode(), &graphAnswer)
	if len(graphAnswer.Edges) == 0 {
		t.Error("clickhouse: the graph from rollups has no edges")
	}
	for _, p := range paths {
		codeE, wantV := fetch(t, insts[0].query+p)
		codeC, gotV := fetch(t, insts[1].query+p)
		wantV, gotV = normalizeAnswer(p, wantV), normalizeAnswer(p, gotV)
		if codeE != http.StatusOK && codeE != http.StatusNotFound {
			t.Errorf("GET %s on embedded: %d %v", p, codeE, wantV)
		}
		if codeC != codeE || !reflect.DeepEqual(gotV, wantV) {
			gj, _ := json.Marshal(gotV)
			wj, _ := json.Marshal(wantV)
			t.Errorf("GET %s differs:\nclickhouse %d %s\n  embedded %d %s", p, codeC, gj, codeE, wj)
		}
	}
}

// TestClickHouseOutage kills ClickHouse (SIGKILL) while traces are being
// ingested through the meshlens exporter's persistent sending queue
// (file_storage), keeps sending while it is down, starts it again, and
// checks that every acknowledged span (its OTLP Export returned success) is
// stored exactly once.
func TestClickHouseOutage(t *testing.T) {
	ch := startClickHouse(t)
	dir := t.TempDir()
	queryAddr, otlpAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	exporter := `{sending_queue: {enabled: true, storage: file_storage, queue_size: 100000, sizer: items},` +
		` retry_on_failure: {enabled: true, initial_interval: 50ms, max_interval: 500ms, max_elapsed_time: 0}}`
	ext := fmt.Sprintf("  file_storage: {directory: %q}", dir)
	startMeshlens(t, clickhouseConfig(ch.Addr, "outage", queryAddr,
		fmt.Sprintf("  otlp: {protocols: {grpc: {endpoint: %q}}}", otlpAddr),
		"    traces: {receivers: [otlp], exporters: [meshlens]}", exporter, ext), queryAddr)

	client := ptraceotlp.NewGRPCClient(mustConn(t, otlpAddr))
	const traces, spansPer = 60, 10
	now := time.Now()
	send := func(i int) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "outage")
		ss := rs.ScopeSpans().AppendEmpty().Spans()
		for j := range spansPer {
			sp := ss.AppendEmpty()
			sp.SetTraceID(pcommon.TraceID{0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)})
			sp.SetSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, byte(i), byte(j + 1)})
			sp.SetName(fmt.Sprintf("op-%d", j))
			sp.SetKind(ptrace.SpanKindServer)
			start := now.Add(time.Duration(i*spansPer+j) * time.Millisecond)
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Millisecond)))
		}
		// An acknowledgement is what counts: retry until the receiver
		// accepts the batch (it is then in the persistent queue).
		testutil.WaitFor(t, fmt.Sprintf("trace %d acknowledged", i), 30*time.Second, func() error {
			_, err := client.Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(td))
			return err
		})
	}
	for i := range traces / 3 {
		send(i)
	}
	if err := ch.Kill(); err != nil {
		t.Fatal(err)
	}
	for i := traces / 3; i < 2*traces/3; i++ {
		send(i)
	}
	if err := ch.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 2 * traces / 3; i < traces; i++ {
		send(i)
	}

	var found struct {
		Data []struct {
			TraceID string `json:"traceID"`
			Spans   []struct {
				SpanID string `json:"spanID"`
			} `json:"spans"`
		} `json:"data"`
	}
	testutil.WaitFor(t, "every acknowledged span stored", 60*time.Second, func() error {
		found.Data = nil
		if err := getInto(fmt.Sprintf("http://%s/api/traces?service=outage&limit=1000&start=%d&end=%d", queryAddr,
			now.Add(-time.Minute).UnixMicro(), now.Add(time.Hour).UnixMicro()), &found); err != nil {
			return err
		}
		n := 0
		for _, tr := range found.Data {
			n += len(tr.Spans)
		}
		if len(found.Data) != traces || n != traces*spansPer {
			return fmt.Errorf("%d traces with %d spans, want %d with %d", len(found.Data), n, traces, traces*spansPer)
		}
		return nil
	})
	for _, tr := range found.Data {
		seen := map[string]bool{}
		for _, s := range tr.Spans {
			if seen[s.SpanID] {
				t.Errorf("trace %s: span %s stored twice", tr.TraceID, s.SpanID)
			}
			seen[s.SpanID] = true
		}
	}
}
