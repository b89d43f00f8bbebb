package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/meshapi"
)

// TestTracesOTLPToJaegerAndZipkin sends a client→server trace over OTLP
// (the collector's OTLP gRPC client) and reads it back whole through the
// Jaeger v1 and Zipkin v2 APIs.
func TestTracesOTLPToJaegerAndZipkin(t *testing.T) {
	dir := t.TempDir()
	queryAddr, otlpAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	startMeshlens(t, testConfig(dir, queryAddr,
		fmt.Sprintf("  otlp: {protocols: {grpc: {endpoint: %q}}}", otlpAddr),
		"    traces: {receivers: [otlp], exporters: [meshlens]}"), queryAddr)

	traceID := pcommon.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	now := time.Now()
	td := ptrace.NewTraces()
	add := func(service, name string, kind ptrace.SpanKind, id, parent byte, startOff time.Duration) {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", service)
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetTraceID(traceID)
		sp.SetSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, id})
		if parent != 0 {
			sp.SetParentSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, parent})
		}
		sp.SetName(name)
		sp.SetKind(kind)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(startOff)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(startOff + 5*time.Millisecond)))
		sp.Attributes().PutStr("guid:x-request-id", "trace-req-1")
		sp.Attributes().PutInt("http.status_code", 200)
	}
	add("productpage", "GET /reviews", ptrace.SpanKindClient, 1, 0, 0)
	add("reviews", "GET /reviews", ptrace.SpanKindServer, 2, 1, time.Millisecond)
	if _, err := ptraceotlp.NewGRPCClient(mustConn(t, otlpAddr)).Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(td)); err != nil {
		t.Fatal(err)
	}

	base := "http://" + queryAddr
	var jaeger struct {
		Data []struct {
			Spans []struct {
				SpanID     string `json:"spanID"`
				References []struct {
					SpanID string `json:"spanID"`
				} `json:"references"`
			} `json:"spans"`
		} `json:"data"`
	}
	testutil.WaitFor(t, "trace stored", 20*time.Second, func() error {
		return getInto(base+"/api/traces/4bf92f3577b34da6a3ce929d0e0e4736", &jaeger)
	})
	if len(jaeger.Data) != 1 || len(jaeger.Data[0].Spans) != 2 {
		t.Fatalf("Jaeger trace = %+v, want one trace of two spans", jaeger)
	}
	for _, s := range jaeger.Data[0].Spans {
		if s.SpanID == "0000000000000002" && (len(s.References) != 1 || s.References[0].SpanID != "0000000000000001") {
			t.Errorf("server span's parent = %+v, want the client span", s.References)
		}
	}
	// The request lookup finds the trace by its x-request-id.
	var req meshapi.RequestAnswer
	if code := getJSON(t, base+meshapi.Prefix+"requests/trace-req-1", &req); code != http.StatusOK ||
		len(req.Traces) != 1 || len(req.Traces[0].Spans) != 2 || req.Traces[0].TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("request lookup = %d %+v, want the trace", code, req)
	}

	var zipkin []struct {
		ID       string `json:"id"`
		ParentID string `json:"parentId"`
		Kind     string `json:"kind"`
	}
	if err := getInto(base+"/api/v2/trace/4bf92f3577b34da6a3ce929d0e0e4736", &zipkin); err != nil || len(zipkin) != 2 {
		t.Fatalf("Zipkin trace = %+v, %v", zipkin, err)
	}
}

// getInto GETs u and decodes a 200 body into v.
func getInto(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
