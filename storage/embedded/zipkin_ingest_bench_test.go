package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/zipkinspans"
	"github.com/meshlens/meshlens/storage"
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
	testutil.BenchBatches(b, n, "spans",
		func(i int) []byte { return storagetest.EnvoyZipkinBatch(n, start.Add(time.Duration(i)*time.Second)) }, // fresh ids each batch
		func(body []byte) error {
			rows := zipkinRows(b, body)
			if err := be.WriteSpans(ctx, rows); err != nil {
				return err
			}
			bd := rollup.NewBuilder() // as storage/exporter's rollupSpans
			bd.AddSpans(rows)
			return be.WriteRollups(ctx, rollup.BatchIDSpans(rows), bd.Rows())
		})
}

// BenchmarkEnvoySpansWrite is the storage part of Zipkin ingest on the
// rows ingest makes of Envoy spans (2,000 per batch, fresh ids each
// batch): WriteSpans (day table, trace-id and request-id indexes, replay
// check, row hashes) against DuckDB's floor for the same rows, a bare
// Appender into a table of the same columns without indexes, committed
// durably once per batch.
func BenchmarkEnvoySpansWrite(b *testing.B) {
	const n = 2_000
	start := time.Now().UTC().Add(-time.Hour)
	rows := zipkinRows(b, storagetest.EnvoyZipkinBatch(n, start))
	write := map[string]func(be *Backend) error{
		"WriteSpans": func(be *Backend) error { return be.WriteSpans(context.Background(), rows) },
		"appender": func(be *Backend) error {
			s := be.duck
			s.wmu.Lock()
			defer s.wmu.Unlock()
			return s.tx(context.Background(), func(c rawConn) error { return appendRows(c.Conn, "baseline", spanColumns, rows) })
		},
	}
	for _, mode := range []string{"WriteSpans", "appender"} {
		b.Run(mode, func(b *testing.B) {
			be := openBench(b)
			if _, err := be.duck.wconn.ExecContext(context.Background(), "CREATE TABLE baseline ("+spanColumns.ddl()+")"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := testutil.ProcessCPU()
			i := 0
			for b.Loop() {
				i++
				for j := range rows { // the next batch: new trace ids, one second later
					rows[j].TraceID.Low += uint64(n)
					rows[j].Start = rows[j].Start.Add(time.Second)
				}
				if err := write[mode](be); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "spans/s")
			reportCPU(b, cpu0)
		})
	}
}

// zipkinRows is what ingest makes of a Zipkin v2 JSON body: the zipkin
// receiver's decoding and translation, then the exporter's rows.
func zipkinRows(b *testing.B, body []byte) []storage.Span {
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
	return rows
}
