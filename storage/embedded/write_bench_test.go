package embedded

import (
	"context"
	"database/sql/driver"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"

	"github.com/meshlens/meshlens/internal/testutil"
)

const benchBatch = 10_000

// benchRows is one batch of realistic records, 100 µs apart, starting at
// start.
func benchRows(start time.Time) []storage.AccessLog {
	rows := storagetest.REDCorpus(benchBatch, start, 7)
	for i := range rows {
		rows[i].Start = start.Add(time.Duration(i) * 100 * time.Microsecond)
		rows[i].Method, rows[i].Path, rows[i].UserAgent = "GET", "/api/v1/products/12345", "Mozilla/5.0 (X11; Linux x86_64)"
		rows[i].UpstreamCluster = "outbound|9080||" + rows[i].DestinationService + ".default.svc.cluster.local"
		rows[i].UpstreamHost, rows[i].DownstreamRemote = "10.0.3.17:9080", "10.0.1.5:51234"
	}
	return rows
}

func openBench(b *testing.B) *Backend {
	b.Helper()
	be, err := Open(Config{Path: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = be.Close() })
	return be
}

// BenchmarkWriteAccessLogs measures WriteAccessLogs of 10k-row batches,
// each a durable transaction with the replay check. Compare rows/s with
// BenchmarkAppenderBaseline.
func BenchmarkWriteAccessLogs(b *testing.B) {
	be := openBench(b)
	start := time.Now().UTC().Add(-time.Hour)
	rows := benchRows(start)
	b.ReportAllocs()
	cpu0 := testutil.ProcessCPU()
	i := 0
	for b.Loop() {
		shift := time.Duration(i) * time.Second // batches follow each other in time
		for j := range rows {
			rows[j].Start = start.Add(shift + time.Duration(j)*100*time.Microsecond)
		}
		if err := be.WriteAccessLogs(context.Background(), rows); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "rows/s")
	reportCPU(b, cpu0)
}

// BenchmarkAppenderBaseline is the floor for WriteAccessLogs: the same
// rows through a raw DuckDB Appender into one table of the same columns,
// committed (durably) once per batch, with no staging or replay check.
func BenchmarkAppenderBaseline(b *testing.B) {
	be := openBench(b)
	s := be.duck
	ctx := context.Background()
	if _, err := s.wconn.ExecContext(ctx, "CREATE TABLE baseline ("+accessLogColumns.ddl()+")"); err != nil {
		b.Fatal(err)
	}
	rows := benchRows(time.Now().UTC().Add(-time.Hour))
	b.ReportAllocs()
	cpu0 := testutil.ProcessCPU()
	for b.Loop() {
		s.wmu.Lock()
		err := s.tx(ctx, func(c rawConn) error { return appendRows(c.Conn, "baseline", accessLogColumns, rows) })
		s.wmu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "rows/s")
	reportCPU(b, cpu0)
}

// appendRows appends rows to table through a raw Appender.
func appendRows[T any](c driver.Conn, table string, cols columns[T], rows []T) error {
	app, err := duckdb.NewAppender(c, "", "", table)
	if err != nil {
		return err
	}
	vals := make([]driver.Value, 0, len(cols))
	for i := range rows {
		if err := app.AppendRow(cols.values(&rows[i], vals)...); err != nil {
			_ = app.Close()
			return err
		}
	}
	return app.Close()
}
