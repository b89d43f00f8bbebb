package embedded

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"

	"github.com/meshlens/meshlens/internal/testutil"
)

// benchSpans is one batch of Zipkin-like spans, 100 µs apart: traces of
// 4 spans, with tags as columns and a few attributes.
func benchSpans(start time.Time) []storage.Span {
	spans := make([]storage.Span, benchBatch)
	for i := range spans {
		tr := uint64(i / 4)
		spans[i] = storage.Span{
			TraceID: storage.TraceID{High: 0x5f3e << 32, Low: tr*0x9e3779b97f4a7c15 + 1}, SpanID: uint64(i) + 1,
			ParentID: uint64(i), Service: fmt.Sprintf("svc-%d", i%4), Name: "GET /api/v1/products/{id}",
			Kind: "server", Start: start.Add(time.Duration(i) * 100 * time.Microsecond), DurationMicros: int64(i%997) * 10,
			HTTPMethod: "GET", HTTPRoute: "/api/v1/products/{id}", HTTPStatus: 200,
			RequestID:       fmt.Sprintf("7f3a9c1e-%04x-4b2d-9f1a-%012x", i%65536, tr),
			UpstreamCluster: "outbound|9080||products.default.svc.cluster.local",
			Attrs: []storage.KeyValue{{Key: "node_id", Value: "sidecar~10.0.3.17~products-v1"}, {Key: "component", Value: "proxy"},
				{Key: "http.url", Value: "http://products:9080/api/v1/products/12345"}},
		}
	}
	return spans
}

// BenchmarkWriteSpans measures WriteSpans of 10k-span batches, each a
// durable transaction with the duplicate checks.
func BenchmarkWriteSpans(b *testing.B) {
	be := openBench(b)
	start := time.Now().UTC().Add(-time.Hour)
	spans := benchSpans(start)
	b.ReportAllocs()
	cpu0 := testutil.ProcessCPU()
	i := 0
	for b.Loop() {
		shift := time.Duration(i) * time.Second
		for j := range spans {
			spans[j].Start = start.Add(shift + time.Duration(j)*100*time.Microsecond)
		}
		if err := be.WriteSpans(context.Background(), spans); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "spans/s")
	reportCPU(b, cpu0)
}
