package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"

	"github.com/meshlens/meshlens/internal/testutil"
)

// benchSpan is the time the generated rows cover, around benchBase.
const benchSpan = 2 * time.Hour

// benchBase is a UTC midnight, so generated rows fill two day tables.
func benchBase() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

// genExprs are the SQL expressions that generate the interesting columns
// from the row number i; other columns get a constant. Choices are random();
// the request id is a hash of i, so request_hash can refer to it.
var genExprs = map[string]string{
	"start":                 "to_timestamp($1 + i * $2)", // to_timestamp(seconds) avoids slow ICU interval arithmetic
	"duration_us":           "(-ln(1 - (hash(i, 'd') % 1000000 + 0.5) / 1000000) * 20000)::BIGINT",
	"method":                "'GET'",
	"path":                  "'/api/v1/products/' || floor(random() * 1000)::BIGINT",
	"protocol":              "['HTTP/1.1', 'HTTP/2'][1 + floor(random() * 2)::BIGINT]",
	"response_code":         "[200, 200, 200, 200, 200, 201, 404, 429, 500, 503, 0][1 + floor(random() * 11)::BIGINT]",
	"response_flags":        genFlags(func(f string) string { return "'" + f + "'" }),
	responseFlagBitsColumn:  genFlags(func(f string) string { return strconv.FormatInt(flagBits(f), 10) }),
	"bytes_received":        "floor(random() * 5000)::BIGINT",
	"bytes_sent":            "floor(random() * 50000)::BIGINT",
	"request_id":            "printf('%016x%016x', hash(i, 'id'), hash(i, 'id2'))",
	"user_agent":            "'Mozilla/5.0 (X11; Linux x86_64)'",
	"upstream_host":         "'10.0.' || floor(random() * 256)::BIGINT || '.17:9080'",
	"reporter":              "['source', 'destination'][1 + floor(random() * 2)::BIGINT]",
	"source_service":        "'svc-' || floor(random() * 20)::BIGINT",
	"source_namespace":      "'default'",
	"source_version":        "'v' || (1 + hash(i, 'sv') % 3)",
	"destination_service":   "'svc-' || floor(random() * 20)::BIGINT",
	"destination_namespace": "['default', 'shop'][1 + floor(random() * 2)::BIGINT]",
	"destination_version":   "'v' || (1 + hash(i, 'dv') % 3)",
	requestHashColumn:       "md5_number_lower(request_id)",
	rowHashColumn:           "(hash(i) >> 1)::BIGINT",
}

// genFlags picks one of a few flag sets by hash(i) (not random(): the
// string and its bits must agree), rendered by render.
func genFlags(render func(flags string) string) string {
	sets := []string{"", "", "", "", "", "", "", "UH", "UF,URX", "DI", "NR", "RL"}
	out := make([]string, len(sets))
	for i, f := range sets {
		out[i] = render(f)
	}
	return fmt.Sprintf("[%s][1 + (hash(i, 'f') %% %d)::BIGINT]", strings.Join(out, ", "), len(sets))
}

// generateAccessLogs fills the access-log day tables with n generated rows
// (see generateRows).
func generateAccessLogs(tb testing.TB, b *Backend, n int) {
	tb.Helper()
	generateRows(tb, b, accessLogParts, sqlColumnsOf(accessLogColumns), genExprs,
		[]string{requestHashColumn, responseFlagBitsColumn, rowHashColumn}, n)
}

// sqlColumn is a column's name and SQL type, whatever its row type.
type sqlColumn struct{ name, sqlType string }

func sqlColumnsOf[T any](cols columns[T]) []sqlColumn {
	out := make([]sqlColumn, len(cols))
	for i, c := range cols {
		out[i] = sqlColumn{c.name, c.sqlType}
	}
	return out
}

// generateRows fills p's day tables with n rows spread evenly over
// [benchBase()−benchSpan/2, +benchSpan/2), inside DuckDB (a few seconds
// for 10M rows, where the Appender would take minutes). exprs generate
// columns from the row number i (and "start" from $1 + i·$2 seconds);
// other columns get a zero value of their type; extra names the derived
// columns, which must all have an expression.
func generateRows(tb testing.TB, b *Backend, p *partitioned, cols []sqlColumn, exprs map[string]string, extra []string, n int) {
	tb.Helper()
	ctx := context.Background()
	s := b.duck
	from := benchBase().Add(-benchSpan / 2)
	spacing := benchSpan.Seconds() / float64(n) // seconds between rows
	names := []string{}
	sel := []string{}
	zero := map[string]string{"VARCHAR": "''", "BIGINT": "0", "INTEGER": "0", "UBIGINT": "0", "BOOLEAN": "false", "VARCHAR[]": "[]::VARCHAR[]"}
	for _, c := range cols {
		names = append(names, c.name)
		e, ok := exprs[c.name]
		if !ok {
			e = zero[c.sqlType]
		}
		sel = append(sel, e+" AS "+c.name)
	}
	for _, x := range extra {
		names = append(names, x)
		sel = append(sel, exprs[x]+" AS "+x)
	}
	days := []time.Time{utcDay(from), utcDay(from.Add(benchSpan - time.Microsecond))}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.ensureDays(ctx, p, days); err != nil {
		tb.Fatal(err)
	}
	for _, day := range slices.Compact(days) {
		// Each day table takes the rows whose generated start falls in it.
		first := max(0, int(day.Sub(from).Seconds()/spacing))
		last := min(n, int(day.Add(24*time.Hour).Sub(from).Seconds()/spacing))
		q := "INSERT INTO " + p.table(day) + " (" + strings.Join(names, ", ") + ")\nSELECT " +
			strings.Join(sel, ",\n\t") + fmt.Sprintf("\nFROM range(%d, %d) t(i) WHERE start >= $3 AND start < $4", first, last+1)
		err := s.tx(ctx, func(c rawConn) error {
			return c.exec(ctx, q, float64(from.Unix()), spacing, day, day.Add(24*time.Hour))
		})
		if err != nil {
			tb.Fatalf("generating rows for %s: %v", p.table(day), err)
		}
	}
}

// benchFixtures are the generated backends, by row count, shared by the
// read benchmarks (generating 10M rows takes a minute or two); TestMain
// closes and removes them.
var (
	benchFixturesMu sync.Mutex
	benchFixtures   = map[int]*Backend{}
	benchDirs       []string
)

// benchBackend returns a backend holding n generated rows. Benchmarks must
// not write to it.
func benchBackend(b *testing.B, n int) *Backend {
	benchFixturesMu.Lock()
	defer benchFixturesMu.Unlock()
	if be := benchFixtures[n]; be != nil {
		return be
	}
	be := openFixture(b)
	benchFixtures[n] = be
	t0 := time.Now()
	generateAccessLogs(b, be, n)
	b.Logf("generated %d rows in %s", n, time.Since(t0).Round(time.Millisecond))
	return be
}

// openFixture opens an empty backend in a directory TestMain removes.
func openFixture(b *testing.B) *Backend {
	dir, err := os.MkdirTemp("", "meshlens-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	be, err := Open(Config{Path: dir}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return be
}

func closeBenchFixtures() {
	for _, be := range benchFixtures {
		_ = be.Close()
	}
	for _, be := range spanFixtures {
		_ = be.Close()
	}
	for _, dir := range benchDirs {
		_ = os.RemoveAll(dir)
	}
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
				cpu0 := testutil.ProcessCPU()
				for b.Loop() {
					rows, err := be.RED(context.Background(), q)
					if err != nil || len(rows) == 0 {
						b.Fatalf("RED: %d rows, %v", len(rows), err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
				reportCPU(b, cpu0)
			})
		}
		// The baseline, for ratios on a noisy machine: DuckDB counting the
		// same rows by the edge columns, no reporter choice, no quantiles.
		b.Run("baseline", func(b *testing.B) {
			g, _ := sqlq.REDGroupingOf(storage.REDQuery{By: "edge", Start: base.Add(-benchSpan), End: base.Add(benchSpan)})
			q := "SELECT " + g.Columns + ", count(*) FROM " + accessLogsView + " WHERE start >= $1 AND start < $2 GROUP BY ALL"
			b.ReportAllocs()
			cpu0 := testutil.ProcessCPU()
			for b.Loop() {
				rows, err := be.duck.db.QueryContext(context.Background(), q, base.Add(-benchSpan), base.Add(benchSpan))
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				if err := rows.Close(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
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
		cpu0 := testutil.ProcessCPU()
		for b.Loop() {
			id := ids[r.IntN(len(ids))]
			t0 := time.Now()
			got, err := be.FindAccessLogs(context.Background(), storage.AccessLogQuery{RequestID: id})
			lat = append(lat, time.Since(t0))
			if err != nil || len(got) != 1 {
				b.Fatalf("lookup %s: %d rows, %v", id, len(got), err)
			}
		}
		reportCPU(b, cpu0)
		slices.Sort(lat)
		b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1].Microseconds())/1000, "p99-ms")
	})
}

// BenchmarkFindByService measures a typical log search: one service, the
// last 10 minutes of the data, newest 100.
func BenchmarkFindByService(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		be := benchBackend(b, n)
		end := benchBase().Add(benchSpan / 2)
		q := storage.AccessLogQuery{Service: "svc-7", Start: end.Add(-10 * time.Minute), End: end}
		b.ReportAllocs()
		cpu0 := testutil.ProcessCPU()
		for b.Loop() {
			if got, err := be.FindAccessLogs(context.Background(), q); err != nil || len(got) != sqlq.DefaultFindLimit {
				b.Fatalf("find: %d rows, %v", len(got), err)
			}
		}
		reportCPU(b, cpu0)
	})
}

// reportCPU reports the process CPU time per op since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((testutil.ProcessCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
