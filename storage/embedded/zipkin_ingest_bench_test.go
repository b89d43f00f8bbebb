package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/zipkinspans"
	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/rowconv"
	"github.com/meshlens/meshlens/storage/storagetest"

	"github.com/meshlens/meshlens/internal/testutil"
)

// BenchmarkZipkinIngest measures a Zipkin v2 JSON batch of Envoy spans
// from bytes to durable rows: the zipkin receiver's decoding and
// translation, then what the exporter's pushTraces does: row conversion,
// WriteSpans and the batch's rollups. Goal: at least 30k spans/s per core
// (spans per CPU-second of the process, the making of the batches
// excluded). Every batch has fresh ids, so none takes the duplicate path.
func BenchmarkZipkinIngest(b *testing.B) {
	const n = 2_000
	be := openBench(b)
	ctx := context.Background()
	start := time.Now().UTC().Add(-time.Hour)
	b.ReportAllocs()
	var untimed time.Duration // CPU spent making batches
	cpu0 := testutil.ProcessCPU()
	i := 0
	for b.Loop() {
		b.StopTimer()
		gen0 := testutil.ProcessCPU()
		body := storagetest.EnvoyZipkinBatch(n, start.Add(time.Duration(i)*time.Second)) // fresh ids each batch
		untimed += testutil.ProcessCPU() - gen0
		b.StartTimer()
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
	cpu := testutil.ProcessCPU() - cpu0 - untimed
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "spans/s")
	if cpu > 0 {
		b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "spans/cpu-s")
	}
}
