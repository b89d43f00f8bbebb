package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/zipkinspans"
	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/rowconv"

	"github.com/meshlens/meshlens/internal/testutil"
)

// envoyBatch is a Zipkin v2 JSON batch of n Envoy-like spans (client and
// shared server halves of n/2 calls, Envoy's tags), starting at start.
func envoyBatch(n int, start time.Time) []byte {
	type ep struct {
		ServiceName string `json:"serviceName"`
		IPv4        string `json:"ipv4"`
	}
	type span struct {
		TraceID       string            `json:"traceId"`
		ID            string            `json:"id"`
		ParentID      string            `json:"parentId,omitempty"`
		Kind          string            `json:"kind"`
		Name          string            `json:"name"`
		Timestamp     int64             `json:"timestamp"`
		Duration      int64             `json:"duration"`
		Shared        bool              `json:"shared,omitempty"`
		LocalEndpoint ep                `json:"localEndpoint"`
		Tags          map[string]string `json:"tags"`
	}
	out := make([]span, n)
	for i := range out {
		call := i / 2
		kind, svc, shared := "CLIENT", "productpage.default", false
		if i%2 == 1 {
			kind, svc, shared = "SERVER", "reviews.default", true
		}
		out[i] = span{
			TraceID: fmt.Sprintf("%016x%016x", start.UnixNano(), call+1), ID: fmt.Sprintf("%016x", call+1),
			ParentID: "00000000000000aa", Kind: kind, Name: "reviews.default.svc.cluster.local:9080/*",
			Timestamp: start.Add(time.Duration(i) * time.Millisecond).UnixMicro(), Duration: int64(800 + i%1000),
			Shared: shared, LocalEndpoint: ep{svc, "10.0.3.17"},
			Tags: map[string]string{
				"component": "proxy", "guid:x-request-id": fmt.Sprintf("d709b78f-583e-988e-b581-%012x", call),
				"http.method": "GET", "http.protocol": "HTTP/1.1", "http.status_code": "200",
				"http.url": "http://reviews:9080/reviews/0", "node_id": "sidecar~10.0.3.17~productpage-v1",
				"response_flags": "-", "upstream_cluster": "outbound|9080|v1|reviews.default.svc.cluster.local",
				"request_size": "0", "response_size": "295", "user_agent": "python-requests/2.31",
			},
		}
	}
	data, _ := json.Marshal(out) // strings and ints: cannot fail
	return data
}

// BenchmarkZipkinIngest measures a Zipkin v2 JSON batch of Envoy spans
// from bytes to durable rows: the zipkin receiver's decoding and
// translation, then what the exporter's pushTraces does: row conversion,
// WriteSpans and the batch's rollups. Goal: at least 30k spans/s per core
// (spans per CPU-second of the process).
func BenchmarkZipkinIngest(b *testing.B) {
	const n = 2_000
	be := openBench(b)
	ctx := context.Background()
	start := time.Now().UTC().Add(-time.Hour)
	// Distinct batches (fresh ids), made before the clock and the CPU
	// count start; past len(bodies) iterations, batches repeat and take
	// WriteSpans' duplicate path.
	bodies := make([][]byte, 32)
	for i := range bodies {
		bodies[i] = envoyBatch(n, start.Add(time.Duration(i)*time.Second))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := testutil.ProcessCPU()
	i := 0
	for b.Loop() {
		body := bodies[i%len(bodies)]
		spans, err := zipkinspans.DecodeJSONV2(body)
		if err != nil {
			b.Fatal(err)
		}
		td, err := zipkinspans.Translate(spans, false)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := rowconv.SpansFromTraces(td, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := be.WriteSpans(ctx, rows); err != nil {
			b.Fatal(err)
		}
		bd := rollup.NewBuilder() // as storage/exporter's rollupSpans
		bd.AddSpans(rows)
		if err := be.WriteRollups(ctx, rollup.BatchIDSpans(rows), bd.Rows()); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu := testutil.ProcessCPU() - cpu0
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "spans/s")
	if cpu > 0 {
		b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "spans/cpu-s")
	}
}
