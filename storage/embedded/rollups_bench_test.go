package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/rollup/rolluptest"
)

// BenchmarkWriteRollups measures what rollups add to ingest: each op
// writes the rollups of one minute of a 200-service mesh's access logs
// (both proxies, ~17k records) as one batch, merging into the minute and
// block rows already stored.
func BenchmarkWriteRollups(b *testing.B) {
	be, err := Open(Config{Path: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	mesh := rolluptest.Generate(200)
	base := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	logs := mesh.AccessLogs(base, 1)
	bd := rollup.NewBuilder()
	bd.AddAccessLogs(logs)
	rows := bd.Rows()
	var id uint64
	b.ReportAllocs()
	for b.Loop() {
		id++
		for i := range rows { // the next minute, cycling through the hour
			rows[i].Minute = base.Add(time.Duration(id%60) * time.Minute)
		}
		if err := be.WriteRollups(context.Background(), id, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(logs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(len(rows)), "rows/batch")
}
