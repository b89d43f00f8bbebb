package clickhouse

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/embedded"
	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/storagetest"
)

const benchBatch = 10_000

// BenchmarkInsertAccessLogs measures WriteAccessLogs of 10k-record batches
// (one INSERT each), reported as rows/s.
func BenchmarkInsertAccessLogs(b *testing.B) {
	be := openTest(b)
	b.Cleanup(func() { _ = be.Close() })
	start := time.Now().UTC().Add(-time.Hour)
	rows := storagetest.REDCorpus(benchBatch, start, 7)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for j := range rows {
			rows[j].Start = start.Add(time.Duration(i)*time.Second + time.Duration(j)*100*time.Microsecond)
		}
		if err := be.WriteAccessLogs(ctx, rows); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkInsertSpans measures WriteSpans of 10k-span batches (1k traces
// of 10 spans, realistic attributes), reported as spans/s.
func BenchmarkInsertSpans(b *testing.B) {
	be := openTest(b)
	b.Cleanup(func() { _ = be.Close() })
	start := time.Now().UTC().Add(-time.Hour)
	spans := make([]storage.Span, benchBatch)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for j := range spans {
			spans[j] = storage.Span{
				TraceID: storage.TraceID{High: uint64(i), Low: uint64(j / 10)}, SpanID: uint64(j + 1), ParentID: uint64(j),
				Service: fmt.Sprintf("svc-%d", j%12), Name: "GET /api/v1/products", Kind: "server",
				Start: start.Add(time.Duration(i)*time.Second + time.Duration(j)*time.Microsecond), DurationMicros: int64(j % 5000),
				HTTPMethod: "GET", HTTPRoute: "/api/v1/products", HTTPStatus: 200, RequestID: fmt.Sprintf("req-%d-%d", i, j),
				UpstreamCluster: "outbound|9080||reviews.default.svc.cluster.local",
				Attrs:           []storage.KeyValue{{Key: "node_id", Value: "sidecar~10.0.0.1~a.default~default.svc.cluster.local"}, {Key: "zone", Value: "eu-1"}},
			}
		}
		if err := be.WriteSpans(ctx, spans); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkInsertSamples measures AppendSamples of 10k-sample batches
// (1k series × 10 scrapes), reported as samples/s.
func BenchmarkInsertSamples(b *testing.B) {
	be := openTest(b)
	b.Cleanup(func() { _ = be.Close() })
	series := make([]labels.Labels, 1000)
	for i := range series {
		series[i] = labels.FromStrings("__name__", "istio_requests_total", "destination_service", fmt.Sprintf("svc-%d", i%50),
			"response_code", fmt.Sprint(200+i%5), "pod", fmt.Sprintf("pod-%d", i))
	}
	samples := make([]storage.Sample, benchBatch)
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for j := range samples {
			samples[j] = storage.Sample{Labels: series[j%len(series)], T: t0 + int64(i*10+j/len(series))*15_000, V: float64(i*10 + j)}
		}
		if err := be.AppendSamples(ctx, samples); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "samples/s")
}

// benchREDRows is the size of the RED benchmarks' corpus, loaded into
// both backends.
const benchREDRows = 1_000_000

// BenchmarkRED runs the same RED queries (by service and by edge, over the
// whole hour of a 1M-record corpus) on ClickHouse and on the embedded
// backend, loaded with the same records.
func BenchmarkRED(b *testing.B) {
	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Hour)
	rows := storagetest.REDCorpus(benchREDRows, base, 3)
	ch := openTest(b)
	b.Cleanup(func() { _ = ch.Close() })
	emb, err := embedded.Open(embedded.Config{Path: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emb.Close() })
	ctx := context.Background()
	for _, w := range []interface {
		WriteAccessLogs(context.Context, []storage.AccessLog) error
	}{ch, emb} {
		for i := 0; i < len(rows); i += 100_000 {
			if err := w.WriteAccessLogs(ctx, rows[i:min(i+100_000, len(rows))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	backends := []struct {
		name string
		red  storage.REDReader
	}{{"clickhouse", ch}, {"embedded", emb}}
	for _, by := range []string{"service", "edge"} {
		q := storage.REDQuery{Start: base.Add(-30 * time.Minute), End: base.Add(30 * time.Minute), By: by}
		for _, be := range backends {
			b.Run(be.name+"/"+by, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					got, err := be.red.RED(ctx, q)
					if err != nil || len(got) == 0 {
						b.Fatalf("RED: %d rows, %v", len(got), err)
					}
				}
				b.ReportMetric(float64(benchREDRows)/(b.Elapsed().Seconds()/float64(b.N)), "records/s")
			})
		}
	}
}

// BenchmarkGraphRollups runs the graph's rollup query (every edge over a
// 1h window, with merged latency sketches) on ClickHouse and on the
// embedded backend, both holding the rollups of the same 1M access logs.
func BenchmarkGraphRollups(b *testing.B) {
	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Hour)
	rows := storagetest.REDCorpus(benchREDRows, base, 5)
	ch := openTest(b)
	b.Cleanup(func() { _ = ch.Close() })
	emb, err := embedded.Open(embedded.Config{Path: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emb.Close() })
	ctx := context.Background()
	bld := rollup.NewBuilder()
	for i := 0; i < len(rows); i += 10_000 {
		batch := rows[i:min(i+10_000, len(rows))]
		bld.Reset()
		bld.AddAccessLogs(batch)
		for _, w := range []storage.RollupWriter{ch, emb} {
			if err := w.WriteRollups(ctx, rollup.BatchIDAccessLogs(batch), bld.Rows()); err != nil {
				b.Fatal(err)
			}
		}
	}
	q := storage.RollupQuery{Start: base.Add(-30 * time.Minute), End: base.Add(30 * time.Minute)}
	for _, be := range []struct {
		name string
		r    storage.RollupReader
	}{{"clickhouse", ch}, {"embedded", emb}} {
		b.Run(be.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := be.r.Rollups(ctx, q)
				if err != nil || len(got) == 0 {
					b.Fatalf("Rollups: %d groups, %v", len(got), err)
				}
			}
		})
	}
}
