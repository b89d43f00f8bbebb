package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// benchSpan is the time the generated rows cover, around benchBase.
const benchSpan = 2 * time.Hour

// benchBase is a UTC midnight, so generated rows fill two day tables.
func benchBase() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

// genExprs are the SQL expressions that generate the interesting columns
// from the row number i; other columns get a constant. The pseudo-random
// choices use DuckDB's hash(i, salt).
var genExprs = map[string]string{
	"start":                 "$1::TIMESTAMPTZ + to_microseconds((i * $2)::BIGINT)",
	"duration_us":           "(-ln(1 - (hash(i, 'd') % 1000000 + 0.5) / 1000000) * 20000)::BIGINT",
	"method":                "'GET'",
	"path":                  "'/api/v1/products/' || (hash(i, 'p') % 1000)",
	"protocol":              "['HTTP/1.1', 'HTTP/2'][1 + (hash(i, 'v') % 2)::BIGINT]",
	"response_code":         "[200, 200, 200, 200, 200, 201, 404, 429, 500, 503, 0][1 + (hash(i, 'c') % 11)::BIGINT]",
	"response_flags":        "['', '', '', '', '', '', '', 'UH', 'UF,URX', 'DI', 'NR', 'RL'][1 + (hash(i, 'f') % 12)::BIGINT]",
	"bytes_received":        "(hash(i, 'bi') % 5000)::BIGINT",
	"bytes_sent":            "(hash(i, 'bo') % 50000)::BIGINT",
	"request_id":            "printf('%016x%016x', hash(i, 'id'), hash(i, 'id2'))",
	"user_agent":            "'Mozilla/5.0 (X11; Linux x86_64)'",
	"upstream_host":         "'10.0.' || (hash(i, 'h') % 256) || '.17:9080'",
	"reporter":              "['source', 'destination'][1 + (hash(i, 'r') % 2)::BIGINT]",
	"source_service":        "'svc-' || (hash(i, 's') % 20)",
	"source_namespace":      "'default'",
	"source_version":        "'v' || (1 + hash(i, 'sv') % 3)",
	"destination_service":   "'svc-' || (hash(i, 'ds') % 20)",
	"destination_namespace": "['default', 'shop'][1 + (hash(i, 'dn') % 2)::BIGINT]",
	"destination_version":   "'v' || (1 + hash(i, 'dv') % 3)",
	requestHashColumn:       "md5_number_lower(request_id)",
	rowHashColumn:           "(hash(i) >> 1)::BIGINT",
}

// generateAccessLogs fills the day tables with n rows spread evenly over
// [benchBase()−benchSpan/2, +benchSpan/2), inside DuckDB (a few seconds
// for 10M rows, where the Appender would take minutes).
func generateAccessLogs(tb testing.TB, b *Backend, n int) {
	tb.Helper()
	ctx := context.Background()
	s := b.duck
	from := benchBase().Add(-benchSpan / 2)
	spacing := float64(benchSpan.Microseconds()) / float64(n)
	names := []string{}
	exprs := []string{}
	for _, c := range accessLogColumns {
		names = append(names, c.name)
		e, ok := genExprs[c.name]
		if !ok {
			e = map[string]string{"VARCHAR": "''", "BIGINT": "0", "INTEGER": "0"}[c.sqlType]
		}
		exprs = append(exprs, e+" AS "+c.name)
	}
	for _, extra := range []string{requestHashColumn, rowHashColumn} {
		names = append(names, extra)
		exprs = append(exprs, genExprs[extra]+" AS "+extra)
	}
	days := []time.Time{utcDay(from), utcDay(from.Add(benchSpan - time.Microsecond))}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.ensureDays(ctx, days); err != nil {
		tb.Fatal(err)
	}
	for _, day := range slices.Compact(days) {
		// Each day table takes the rows whose generated start falls in it.
		first := max(0, int(float64(day.Sub(from).Microseconds())/spacing))
		last := min(n, int(float64(day.Add(24*time.Hour).Sub(from).Microseconds())/spacing))
		q := "INSERT INTO " + dayTable(day) + " (" + strings.Join(names, ", ") + ")\nSELECT " +
			strings.Join(exprs, ",\n\t") + fmt.Sprintf("\nFROM range(%d, %d) t(i) WHERE start >= $3 AND start < $4", first, last+1)
		err := s.tx(ctx, func(c rawConn) error { return c.exec(ctx, q, from, spacing, day, day.Add(24*time.Hour)) })
		if err != nil {
			tb.Fatalf("generating rows for %s: %v", dayTable(day), err)
		}
	}
}

// benchBackend opens a backend holding n generated rows.
func benchBackend(b *testing.B, n int) *Backend {
	be := openBench(b)
	t0 := time.Now()
	generateAccessLogs(b, be, n)
	b.Logf("generated %d rows in %s", n, time.Since(t0).Round(time.Millisecond))
	return be
}

func benchSizes(b *testing.B, run func(b *testing.B, n int)) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("rows=%dM", n/1_000_000), func(b *testing.B) {
			if n > 1_000_000 && testing.Short() {
				b.Skip("10M rows: skipped under -short; rows=1M always runs")
			}
			run(b, n)
		})
	}
}

// BenchmarkRED measures RED over all rows (both day tables), by service and
// by edge. Goal: under 1 s for 10M rows.
func BenchmarkRED(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		be := benchBackend(b, n)
		base := benchBase()
		for _, by := range []string{"service", "edge"} {
			b.Run("by="+by, func(b *testing.B) {
				q := storage.REDQuery{Start: base.Add(-benchSpan), End: base.Add(benchSpan), By: by}
				b.ReportAllocs()
				for b.Loop() {
					rows, err := be.RED(context.Background(), q)
					if err != nil || len(rows) == 0 {
						b.Fatalf("RED: %d rows, %v", len(rows), err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	})
}

// BenchmarkRequestLookup measures FindAccessLogs by request id (no time
// range) for ids picked at random from the table, and reports the p99
// latency. Goal: p99 under 50 ms on 10M rows.
func BenchmarkRequestLookup(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		be := benchBackend(b, n)
		var ids []string
		rows, err := be.duck.db.Query("SELECT request_id FROM access_logs USING SAMPLE 1000 ROWS")
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id string
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		r := rand.New(rand.NewPCG(1, 1))
		var lat []time.Duration
		b.ReportAllocs()
		for b.Loop() {
			id := ids[r.IntN(len(ids))]
			t0 := time.Now()
			got, err := be.FindAccessLogs(context.Background(), storage.AccessLogQuery{RequestID: id})
			lat = append(lat, time.Since(t0))
			if err != nil || len(got) != 1 {
				b.Fatalf("lookup %s: %d rows, %v", id, len(got), err)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1].Microseconds())/1000, "p99-ms")
	})
}
