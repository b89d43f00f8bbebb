package telemetry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
)

// zipkinCollector is a Zipkin v2 intake: it keeps each POST's raw body
// and decodes it with zipkin-go's v2 model.
type zipkinCollector struct {
	mu    sync.Mutex
	spans []model.SpanModel
	raw   []map[string]any
}

func (z *zipkinCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/spans" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var spans []model.SpanModel
	var raw []map[string]any
	if err := json.Unmarshal(body, &spans); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	z.mu.Lock()
	z.spans = append(z.spans, spans...)
	z.raw = append(z.raw, raw...)
	z.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (z *zipkinCollector) snapshot() ([]model.SpanModel, []map[string]any) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([]model.SpanModel(nil), z.spans...), append([]map[string]any(nil), z.raw...)
}

func newSpanTelemetry(t *testing.T, endpoint string, id Identity) *Telemetry {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Identity = id
	cfg.AccessLog.Output = OutputOff
	cfg.Tracing.ZipkinEndpoint = endpoint
	cfg.Tracing.BatchInterval = time.Hour // Flush sends
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tel.Close(context.Background()) })
	return tel
}

// TestSpansOfOneHop: productpage's sidecar calls reviews' sidecar. The
// client span and the shared server span reach the collector as Zipkin v2
// with Envoy's and Istio's tags.
func TestSpansOfOneHop(t *testing.T) {
	z := &zipkinCollector{}
	srv := httptest.NewServer(z)
	defer srv.Close()
	ep := srv.URL + "/api/v2/spans"
	client := newSpanTelemetry(t, ep, Identity{Workload: "productpage-v1", Namespace: "default", App: "productpage",
		Version: "v1", IP: "10.244.0.9", Cluster: "Kubernetes", MeshID: "cluster.local", Zone: "zone-a"})
	server := newSpanTelemetry(t, ep, Identity{Workload: "reviews-v2", Namespace: "default", App: "reviews",
		Version: "v2", IP: "10.244.0.12", Cluster: "Kubernetes"})

	h := http.Header{"User-Agent": {"python-requests/2.31.0"}}
	out := client.Begin(Outbound, h)
	in := server.Begin(Inbound, h.Clone()) // what reviews' sidecar receives
	if in.RequestID() != out.RequestID() {
		t.Fatalf("request id changed across the hop: %s vs %s", out.RequestID(), in.RequestID())
	}
	start := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)
	recs := sampleRecords()
	serverRec := recs[0]
	serverRec.Direction, serverRec.Source, serverRec.Destination = Inbound, productpage, Peer{}
	serverRec.Start, serverRec.Duration, serverRec.ResponseCode = start.Add(time.Millisecond), 10*time.Millisecond, 503
	serverRec.UpstreamCluster, serverRec.RequestID = "inbound|9080||", ""
	in.Finish(&serverRec)
	clientRec := recs[0]
	clientRec.Source, clientRec.Start, clientRec.Duration, clientRec.RequestID = Peer{}, start, 12*time.Millisecond, ""
	clientRec.ResponseCode = 503
	out.Finish(&clientRec)
	for _, tel := range []*Telemetry{client, server} {
		if err := tel.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	spans, raw := z.snapshot()
	if len(spans) != 2 {
		t.Fatalf("collector got %d spans, want 2", len(spans))
	}
	var cs, ss *model.SpanModel
	for i := range spans {
		switch spans[i].Kind {
		case model.Client:
			cs = &spans[i]
		case model.Server:
			ss = &spans[i]
		}
	}
	if cs == nil || ss == nil {
		t.Fatalf("want a CLIENT and a SERVER span, got %+v", spans)
	}
	if cs.TraceID != ss.TraceID || cs.ID != ss.ID || !ss.Shared || cs.Shared {
		t.Fatalf("server span must share the client's ids: client %v/%v shared=%v, server %v/%v shared=%v",
			cs.TraceID, cs.ID, cs.Shared, ss.TraceID, ss.ID, ss.Shared)
	}
	if cs.ParentID != nil {
		t.Fatalf("the client span of a new trace has parent %v", *cs.ParentID)
	}
	if cs.LocalEndpoint.ServiceName != "productpage.default" || ss.LocalEndpoint.ServiceName != "reviews.default" {
		t.Fatalf("service names %q, %q", cs.LocalEndpoint.ServiceName, ss.LocalEndpoint.ServiceName)
	}
	if cs.LocalEndpoint.IPv4.String() != "10.244.0.9" {
		t.Fatalf("client local endpoint %+v", cs.LocalEndpoint)
	}
	if cs.RemoteEndpoint == nil || cs.RemoteEndpoint.ServiceName != "reviews.default" ||
		cs.RemoteEndpoint.IPv4.String() != "10.244.0.12" || cs.RemoteEndpoint.Port != 9080 {
		t.Fatalf("client remote endpoint %+v", cs.RemoteEndpoint)
	}
	if ss.RemoteEndpoint == nil || ss.RemoteEndpoint.ServiceName != "productpage.default" {
		t.Fatalf("server remote endpoint %+v", ss.RemoteEndpoint)
	}
	if cs.Name != "reviews.default.svc.cluster.local:9080/*" || !cs.Timestamp.Equal(start) || cs.Duration != 12*time.Millisecond {
		t.Fatalf("client span name %q, start %v, duration %v", cs.Name, cs.Timestamp, cs.Duration)
	}
	wantTags := map[string]string{
		"guid:x-request-id": out.RequestID(),
		"upstream_cluster":  "outbound|9080|v2|reviews.default.svc.cluster.local",
		"response_flags":    "-",
		"http.status_code":  "503",
		"http.url":          "http://reviews:9080/reviews/0?user=jason",
		"http.method":       "GET",
		"http.protocol":     "HTTP/1.1",
		"user_agent":        "python-requests/2.31.0",
		"request_size":      "0",
		"response_size":     "295",
		"node_id":           "sidecar~10.244.0.9~productpage-v1.default~default.svc.cluster.local",
		"zone":              "zone-a",
		"component":         "proxy",
		"error":             "true",
		"istio.mesh_id":     "cluster.local",
	}
	for k, v := range wantTags {
		if cs.Tags[k] != v {
			t.Errorf("client tag %s = %q, want %q", k, cs.Tags[k], v)
		}
	}
	if ss.Tags["upstream_cluster"] != "inbound|9080||" || ss.Tags["guid:x-request-id"] != out.RequestID() {
		t.Errorf("server tags %v", ss.Tags)
	}
	// The wire form is Zipkin v2: microsecond integers, upper-case kind.
	for _, m := range raw {
		if _, ok := m["timestamp"].(float64); !ok {
			t.Errorf("timestamp %#v is not a number", m["timestamp"])
		}
		if k := m["kind"]; k != "CLIENT" && k != "SERVER" {
			t.Errorf("kind %#v", k)
		}
		if id, _ := m["traceId"].(string); len(id) != 16 && len(id) != 32 {
			t.Errorf("traceId %q", id)
		}
	}
}

// TestUnsampledRequestsSendNoSpans: the decision propagates and nothing
// is reported for a denied trace.
func TestUnsampledRequestsSendNoSpans(t *testing.T) {
	z := &zipkinCollector{}
	srv := httptest.NewServer(z)
	defer srv.Close()
	tel := newSpanTelemetry(t, srv.URL+"/api/v2/spans", Identity{Workload: "a", Namespace: "default", App: "a"})
	tel.Begin(Outbound, http.Header{"X-B3-Sampled": {"0"}}).Finish(&Record{ResponseCode: 200, Start: time.Now()})
	tel.Begin(Outbound, http.Header{"X-B3-Sampled": {"1"}}).Finish(&Record{ResponseCode: 200, Start: time.Now()})
	if err := tel.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if spans, _ := z.snapshot(); len(spans) != 1 {
		t.Fatalf("collector got %d spans, want only the sampled one", len(spans))
	}
}
