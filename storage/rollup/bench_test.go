package rollup_test

import (
	"context"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/rollup/rolluptest"
	"github.com/meshlens/meshlens/storage/storagetest"
)

const benchEvents = 100_000

// BenchmarkBuildAccessLogs builds rollups from 100k access logs (one op).
func BenchmarkBuildAccessLogs(b *testing.B) {
	rows := storagetest.REDCorpus(benchEvents, time.Now().UTC().Truncate(time.Hour), 1)
	b.ReportAllocs()
	for b.Loop() {
		bd := rollup.NewBuilder()
		bd.AddAccessLogs(rows)
		if bd.Len() == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBuildSpans builds rollups from 100k spans (one op).
func BenchmarkBuildSpans(b *testing.B) {
	mesh := rolluptest.Generate(50)
	spans := mesh.Spans(time.Now().UTC().Truncate(time.Hour), 20)
	for len(spans) < benchEvents {
		spans = append(spans, spans...)
	}
	spans = spans[:benchEvents]
	b.ReportAllocs()
	for b.Loop() {
		bd := rollup.NewBuilder()
		bd.AddSpans(spans)
		if bd.Len() == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBuildMetrics turns 100k Istio samples (counters, buckets, byte
// sums of a 50-service mesh over several scrapes) into rollups (one op).
func BenchmarkBuildMetrics(b *testing.B) {
	mesh := rolluptest.Generate(50)
	samples := mesh.Samples(time.Now().UTC().Truncate(time.Hour), 5)
	for len(samples) < benchEvents {
		samples = append(samples, mesh.Samples(time.Now().UTC().Truncate(time.Hour).Add(time.Duration(len(samples))*time.Hour), 5)...)
	}
	samples = samples[:benchEvents]
	discard := func(context.Context, uint64, []storage.Rollup) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		m := rollup.NewMetrics()
		if err := m.Apply(context.Background(), samples, discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBuildAccessLogsMesh builds rollups from 100k access logs of a
// 50-service mesh (both proxies report each call; one op). Unlike the RED
// corpus, whose every record has random dimensions, many records share a
// rollup row, as in real traffic.
func BenchmarkBuildAccessLogsMesh(b *testing.B) {
	logs := rolluptest.Generate(50).AccessLogs(time.Now().UTC().Truncate(time.Hour), 10)
	for len(logs) < benchEvents {
		logs = append(logs, logs...)
	}
	logs = logs[:benchEvents]
	b.ReportAllocs()
	for b.Loop() {
		bd := rollup.NewBuilder()
		bd.AddAccessLogs(logs)
		if bd.Len() == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
