package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
)

// uiProxy is one sidecar (or gateway) of the test mesh: its access log is
// one file, tailed with this reporter.
type uiProxy struct {
	workload, service, namespace, version string
	ip                                    string
}

// reporter renders the envoyaccesslog file reporter config.
func (p uiProxy) reporter() string {
	return fmt.Sprintf("{service: %s, namespace: %s, version: %q, workload: %s}", p.service, p.namespace, p.version, p.workload)
}

func (p uiProxy) fqdn() string { return p.service + "." + p.namespace + ".svc.cluster.local" }

var (
	uiGateway     = uiProxy{"istio-ingressgateway", "istio-ingressgateway", "istio-system", "v1", "10.1.0.2"}
	uiProductpage = uiProxy{"productpage-v1", "productpage", "default", "v1", "10.1.0.10"}
	uiDetails     = uiProxy{"details-v1", "details", "default", "v1", "10.1.0.11"}
	uiReviews     = []uiProxy{
		{"reviews-v1", "reviews", "default", "v1", "10.1.0.12"},
		{"reviews-v2", "reviews", "default", "v2", "10.1.0.13"},
		{"reviews-v3", "reviews", "default", "v3", "10.1.0.14"},
	}
	uiRatings = uiProxy{"ratings-v1", "ratings", "default", "v1", "10.1.0.15"}
	uiProxies = append([]uiProxy{uiGateway, uiProductpage, uiDetails}, append(uiReviews, uiRatings)...)
)

// uiRequest is one user request through the mesh.
type uiRequest struct {
	id      string // x-request-id, shared by every hop
	traceID string // hex, as the Jaeger API spells it
	reviews string // the reviews version that served it
	failed  bool   // productpage→reviews v3 failed with 503 UF
	records int    // access-log records (one per hop and side)
	spans   int
}

// uiMesh is Bookinfo-like traffic: ingress → productpage → details and
// reviews v1/v2/v3 (round robin), reviews v2/v3 → ratings. Every hop is
// logged by both sidecars in Istio's text format and traced by both as a
// Zipkin client and server span, all sharing the request's x-request-id.
// Some calls to reviews v3 fail with 503 UF (no inbound side), and some
// calls to details answer 404.
type uiMesh struct {
	logs     map[string]*strings.Builder // by proxy workload
	spans    []model.SpanModel
	requests []uiRequest
	records  int
	nextID   model.ID
	port     int
}

// newUIMesh generates n requests, 2.5 s apart, ending near now.
func newUIMesh(n int, now time.Time) *uiMesh {
	m := &uiMesh{logs: map[string]*strings.Builder{}, nextID: 0x1000, port: 40000}
	for _, p := range uiProxies {
		m.logs[p.workload] = &strings.Builder{}
	}
	base := now.Add(-time.Duration(n) * 2500 * time.Millisecond).Truncate(time.Millisecond)
	for i := range n {
		m.request(i, base.Add(time.Duration(i)*2500*time.Millisecond))
	}
	return m
}

// hop is one call as both sidecars see it.
type hop struct {
	from, to     uiProxy
	start        time.Time
	durMs        int // the callee's time; the caller's record adds 1 ms
	code         int
	flags        string
	details      string
	path         string
	noInbound    bool // the call never reached the callee (UF)
	parent       model.ID
	bytesSent    int
	userAgent    string
	serverSpanID model.ID // set by call
}

func (m *uiMesh) request(i int, t0 time.Time) {
	r := uiRequest{
		id:      fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x6d65736c+i, i%0xffff, i%0xfff, (i*7)%0xfff, 0xb00c1f0+i),
		traceID: fmt.Sprintf("%016x%016x", uint64(0x6d6573686c656e73), uint64(i+1)),
	}
	trace := model.TraceID{High: 0x6d6573686c656e73, Low: uint64(i + 1)}
	before := m.records
	spansBefore := len(m.spans)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }

	dDet := 2 + i%3
	detCode := 200
	if i%20 == 7 {
		detCode = 404
	}
	rev := uiReviews[i%3]
	r.reviews = rev.version
	r.failed = rev.version == "v3" && (i/3)%4 == 0
	detStart := 2
	revStart := detStart + dDet + 2
	own := 5 + i%7
	ratDur := 2 + i%4
	revDur := own
	if rev.version != "v1" && !r.failed {
		revDur = own + ratDur + 3
	}
	if r.failed {
		revDur = 0
	}
	total := revStart + revDur + 1 + 3

	gw := &hop{from: uiGateway, to: uiProductpage, start: t0, durMs: total, code: 200, path: "/productpage", bytesSent: 5183,
		userAgent: "Mozilla/5.0 (X11; Linux x86_64) meshlens-ui-test"}
	m.call(trace, r.id, gw)
	det := &hop{from: uiProductpage, to: uiDetails, start: t0.Add(ms(detStart)), durMs: dDet, code: detCode,
		path: fmt.Sprintf("/details/%d", i%5), parent: gw.serverSpanID, bytesSent: 178, userAgent: "python-requests/2.31.0"}
	if detCode == 404 {
		det.bytesSent = 22
	}
	m.call(trace, r.id, det)
	rv := &hop{from: uiProductpage, to: rev, start: t0.Add(ms(revStart)), durMs: revDur, code: 200,
		path: fmt.Sprintf("/reviews/%d", i%5), parent: gw.serverSpanID, bytesSent: 295, userAgent: "python-requests/2.31.0"}
	if r.failed {
		rv.code, rv.flags, rv.noInbound, rv.bytesSent = 503, "UF", true, 91
		rv.details = "upstream_reset_before_response_started{connection_failure}"
	}
	m.call(trace, r.id, rv)
	if rev.version != "v1" && !r.failed {
		m.call(trace, r.id, &hop{from: rev, to: uiRatings, start: t0.Add(ms(revStart + 1 + own)), durMs: ratDur, code: 200,
			path: fmt.Sprintf("/ratings/%d", i%5), parent: rv.serverSpanID, bytesSent: 48, userAgent: "Apache-CXF/3.1.18"})
	}
	r.records = m.records - before
	r.spans = len(m.spans) - spansBefore
	m.requests = append(m.requests, r)
}

// call logs and traces h on both sides.
func (m *uiMesh) call(trace model.TraceID, rid string, h *hop) {
	m.port++
	ts := h.start.UTC().Format("2006-01-02T15:04:05.000Z")
	details := h.details
	if details == "" {
		details = "via_upstream"
	}
	flags := h.flags
	if flags == "" {
		flags = "-"
	}
	upstreamTime := fmt.Sprint(h.durMs)
	if h.noInbound {
		upstreamTime = "-"
	}
	// Istio ≥1.9 text format; see receivers/envoyaccesslog/format/testdata.
	fmt.Fprintf(m.logs[h.from.workload],
		"[%s] \"GET %s HTTP/1.1\" %d %s %s - \"-\" 0 %d %d %s \"-\" \"%s\" \"%s\" \"%s:9080\" \"%s:9080\" outbound|9080|%s|%s %s:%d 10.96.0.%s:9080 %s:%d - default\n",
		ts, h.path, h.code, flags, details, h.bytesSent, h.durMs+1, upstreamTime, h.userAgent, rid, h.to.service,
		h.to.ip, h.to.version, h.to.fqdn(), h.from.ip, m.port, lastOctet(h.to.ip), h.from.ip, m.port+1)
	m.records++
	client := m.span(trace, rid, h, model.Client, h.from, h.durMs+1, fmt.Sprintf("outbound|9080|%s|%s", h.to.version, h.to.fqdn()), h.parent)
	if h.noInbound {
		return
	}
	fmt.Fprintf(m.logs[h.to.workload],
		"[%s] \"GET %s HTTP/1.1\" %d - via_upstream - \"-\" 0 %d %d %d \"-\" \"%s\" \"%s\" \"%s:9080\" \"%s:9080\" inbound|9080|| 127.0.0.6:%d %s:9080 %s:%d outbound_.9080_.%s_.%s default\n",
		ts, h.path, h.code, h.bytesSent, h.durMs, max(h.durMs-1, 0), h.userAgent, rid, h.to.service, h.to.ip,
		m.port+2, h.to.ip, h.from.ip, m.port, h.to.version, h.to.fqdn())
	m.records++
	h.serverSpanID = m.span(trace, rid, h, model.Server, h.to, h.durMs, "inbound|9080||", client)
}

// span adds the Zipkin span an Istio sidecar reports for one side of h.
func (m *uiMesh) span(trace model.TraceID, rid string, h *hop, kind model.Kind, p uiProxy, durMs int, cluster string, parent model.ID) model.ID {
	m.nextID++
	id := m.nextID
	s := model.SpanModel{
		SpanContext:   model.SpanContext{TraceID: trace, ID: id},
		Name:          fmt.Sprintf("%s:9080%s", h.to.fqdn(), "/*"),
		Kind:          kind,
		Timestamp:     h.start,
		Duration:      time.Duration(durMs) * time.Millisecond,
		LocalEndpoint: &model.Endpoint{ServiceName: p.service + "." + p.namespace},
		Tags: map[string]string{
			"component": "proxy", "guid:x-request-id": rid, "http.method": "GET",
			"http.url": "http://" + h.to.service + ":9080" + h.path, "http.protocol": "HTTP/1.1",
			"http.status_code": fmt.Sprint(h.code), "response_flags": orDash(h.flags), "upstream_cluster": cluster,
			"istio.canonical_service": p.service, "istio.canonical_revision": p.version, "istio.namespace": p.namespace,
			"istio.mesh_id": "cluster.local", "node_id": "sidecar~" + p.ip + "~" + p.workload + "-5d8f7c." + p.namespace,
			"user_agent": h.userAgent, "response_size": fmt.Sprint(h.bytesSent),
		},
	}
	if parent != 0 {
		s.ParentID = &parent
	}
	if h.code >= 500 {
		s.Tags["error"] = "true"
	}
	m.spans = append(m.spans, s)
	return id
}

// writeLogs writes one access-log file per proxy under dir and returns the
// envoyaccesslog `files:` entries that tail them.
func (m *uiMesh) writeLogs(t *testing.T, dir string) string {
	t.Helper()
	var files strings.Builder
	for _, p := range uiProxies {
		path := filepath.Join(dir, p.workload+".log")
		if err := os.WriteFile(path, []byte(m.logs[p.workload].String()), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&files, "      - {include: [%q], start_at: beginning, poll_interval: 20ms, reporter: %s}\n", path, p.reporter())
	}
	return files.String()
}

// lastRequest returns the newest request that went through reviews at
// version and did (not) fail.
func (m *uiMesh) lastRequest(version string, failed bool) uiRequest {
	for i := len(m.requests) - 1; i >= 0; i-- {
		if r := m.requests[i]; r.reviews == version && r.failed == failed {
			return r
		}
	}
	panic("no such request in the mesh")
}

func lastOctet(ip string) string { return ip[strings.LastIndexByte(ip, '.')+1:] }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
