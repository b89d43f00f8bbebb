package rowconv

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// envoyTraces returns n spans as Envoy sidecars report them through the
// Zipkin receiver: 20 services, client/shared-server pairs, 64-bit ids,
// Envoy's dozen tags plus the endpoint attributes the translator adds.
func envoyTraces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	const services = 20
	spans := make([]ptrace.SpanSlice, services)
	for i := range spans {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr(ResourceService, fmt.Sprintf("svc-%d.default", i))
		spans[i] = rs.ScopeSpans().AppendEmpty().Spans()
	}
	for i := range n {
		pair := uint64(i / 2)
		server := i%2 == 1
		callee := (i/2 + 1) % services
		reporter := (i / 2) % services
		if server {
			reporter = callee
		}
		sp := spans[reporter].AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{8: byte(pair >> 8), 9: byte(pair), 15: 1})
		sp.SetSpanID(pcommon.SpanID{0: 0xa2, 6: byte(pair >> 8), 7: byte(pair)})
		sp.SetParentSpanID(pcommon.SpanID{0: 0x11, 7: byte(pair)})
		sp.SetName(fmt.Sprintf("svc-%d.default.svc.cluster.local:9080/*", callee))
		t0 := start.Add(time.Duration(i) * time.Millisecond)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(t0))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(12345 * time.Microsecond)))
		a := sp.Attributes()
		tags := []string{
			"component", "proxy",
			"downstream_cluster", "-",
			"guid:x-request-id", fmt.Sprintf("6d67d674-5e2f-9d6c-a0b4-%012d", pair),
			"http.method", "GET",
			"http.protocol", "HTTP/1.1",
			"http.status_code", []string{"200", "200", "503"}[i%3],
			"http.url", fmt.Sprintf("http://svc-%d:9080/reviews/%d", callee, i%50),
			"node_id", "sidecar~10.44.1.23~productpage-v1.default~default.svc.cluster.local",
			"request_size", "0",
			"response_flags", "-",
			"response_size", "295",
			"upstream_cluster", fmt.Sprintf("outbound|9080||svc-%d.default.svc.cluster.local", callee),
			"user_agent", "curl/8.5.0",
			"net.host.ip", "10.44.1.23"}
		// The translator ranges over Go's tag map: attributes come unsorted.
		for j := range len(tags) / 2 {
			k := (j*5 + i) % (len(tags) / 2)
			a.PutStr(tags[2*k], tags[2*k+1])
		}
		if server {
			sp.SetKind(ptrace.SpanKindServer)
			a.PutBool(AttrZipkinShared, true)
		} else {
			sp.SetKind(ptrace.SpanKindClient)
			a.PutStr(AttrPeerService, fmt.Sprintf("svc-%d.default", callee))
			a.PutInt("net.peer.port", 9080)
		}
	}
	return td
}

// BenchmarkSpansFromTraces converts 1,000 Envoy spans per op.
// BenchmarkSpansProtoMarshalBaseline serialises the same traces with
// pdata's OTLP protobuf marshaler, a floor for a pass that reads every
// field: the converter should be within a small factor of it.
func BenchmarkSpansFromTraces(b *testing.B) {
	td := envoyTraces(1000)
	dst, err := SpansFromTraces(td, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		dst, _ = SpansFromTraces(td, dst[:0])
	}
	reportRate(b, td.SpanCount(), "span", time.Since(start))
}

func BenchmarkSpansProtoMarshalBaseline(b *testing.B) {
	td := envoyTraces(1000)
	var m ptrace.ProtoMarshaler
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := m.MarshalTraces(td); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, td.SpanCount(), "span", time.Since(start))
}

// BenchmarkAppendTraces is the query side's direction (rows → OTLP).
func BenchmarkAppendTraces(b *testing.B) {
	rows, err := SpansFromTraces(envoyTraces(1000), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		AppendTraces(ptrace.NewTraces(), rows)
	}
	reportRate(b, len(rows), "span", time.Since(start))
}

// reportRate reports throughput in units/s and ns/unit.
func reportRate(b *testing.B, perOp int, unit string, elapsed time.Duration) {
	total := float64(perOp) * float64(b.N)
	b.ReportMetric(total/elapsed.Seconds(), unit+"s/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/"+unit)
}
