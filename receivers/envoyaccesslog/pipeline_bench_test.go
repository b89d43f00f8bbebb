package envoyaccesslog

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/meshlens/meshlens/receivers/envoyaccesslog/format"
	"github.com/meshlens/meshlens/receivers/envoyaccesslog/tail"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
	"github.com/meshlens/meshlens/storage/embedded"
	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/rowconv"

	"github.com/meshlens/meshlens/internal/testutil"
)

// benchLines are Istio ≥1.9 lines with distinct request ids and times, as
// a busy sidecar writes them.
func benchLines(n int, base time.Time) []tail.Line {
	lines := make([]tail.Line, n)
	for i := range lines {
		ts := base.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		lines[i] = tail.Line{File: "/var/log/istio/proxy.log", Offset: int64(i) * 300, End: int64(i+1) * 300,
			Text: fmt.Appendf(nil, `[%s] "GET /reviews/%d HTTP/1.1" %d - via_upstream - "-" 0 295 %d %d "-" `+
				`"Mozilla/5.0" "%08x-6d84-929d-98bd-c5aee93b5c88" "reviews:9080" "10.44.1.27:9080" `+
				`outbound|9080|v%d|reviews.default.svc.cluster.local 10.44.1.23:37652 10.0.45.184:9080 10.44.1.23:46520 - default`,
				ts, i%100, []int{200, 200, 200, 503, 404}[i%5], 3+i%40, 2+i%30, i, 1+i%3)}
	}
	return lines
}

// BenchmarkParseInsert is the access-log ingest path for files: parse
// (format auto), pdata, then what the meshlens exporter does: pdata back
// to rows, a durable DuckDB insert and the batch's rollups, in batches of
// 4,000 lines (the tailer's 1 MiB batches). BenchmarkParseOnly, in the
// same file, is the parse step alone on the same lines, as the baseline
// for the ratio.
func BenchmarkParseInsert(b *testing.B) {
	backend, err := embedded.Open(embedded.Config{Path: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer backend.Close()
	in := benchInput(b, func(ctx context.Context, recs []storage.AccessLog, dls []storage.DeadLetter) error {
		ld := plog.NewLogs()
		rowconv.AppendAccessLogs(ld, recs)
		rows, _ := rowconv.AccessLogsFromLogs(ld, nil, nil, cluster.Derive)
		if err := backend.WriteAccessLogs(ctx, rows); err != nil {
			return err
		}
		bd := rollup.NewBuilder() // as storage/exporter's rollupLogs
		bd.AddAccessLogs(rows)
		return backend.WriteRollups(ctx, rollup.BatchIDAccessLogs(rows), bd.Rows())
	})
	runBatches(b, in)
}

// BenchmarkParseOnly parses the same lines and drops the rows.
func BenchmarkParseOnly(b *testing.B) {
	runBatches(b, benchInput(b, func(context.Context, []storage.AccessLog, []storage.DeadLetter) error { return nil }))
}

func benchInput(b *testing.B, consume func(context.Context, []storage.AccessLog, []storage.DeadLetter) error) *fileInput {
	p, err := format.ForName("auto")
	if err != nil {
		b.Fatal(err)
	}
	return &fileInput{parser: p, reporter: storage.Reporter{Service: "productpage", Namespace: "default"}, consume: consume}
}

func runBatches(b *testing.B, in *fileInput) {
	const batch = 4000 // about the tailer's default 1 MiB batch
	base := time.Now().UTC().Add(-time.Hour)
	testutil.BenchBatches(b, batch, "lines",
		func(i int) []tail.Line { return benchLines(batch, base.Add(time.Duration(i*batch)*time.Millisecond)) }, // consecutive, as a live file
		func(lines []tail.Line) error { return in.deliver(context.Background(), lines) })
}
