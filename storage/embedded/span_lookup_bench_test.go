package embedded

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"

	"github.com/meshlens/meshlens/internal/testutil"
)

// spanGenExprs generate spans from the row number i: traces of 4 spans
// (i/4 is the trace), a request id per trace, 200 services.
var spanGenExprs = map[string]string{
	"trace_id_high":    "hash(i // 4, 'th')",
	"trace_id_low":     "hash(i // 4, 'tl')",
	"span_id":          "hash(i, 's')",
	"parent_id":        "CASE WHEN i % 4 = 0 THEN 0::UBIGINT ELSE hash(i - 1, 's') END",
	"service":          "'svc-' || (hash(i // 4, 'svc') % 200 + i % 4)",
	"name":             "'GET /api/v1/products/{id}'",
	"kind":             "['server', 'client'][1 + (i % 2)::BIGINT]",
	"start":            "to_timestamp($1 + i * $2)",
	"duration_us":      "(hash(i, 'd') % 100000)::BIGINT",
	"http_method":      "'GET'",
	"http_status":      "[200, 200, 200, 503][1 + (hash(i, 'c') % 4)::BIGINT]",
	"request_id":       "printf('%016x%016x', hash(i // 4, 'id'), hash(i // 4, 'id2'))",
	"upstream_cluster": "'outbound|9080||svc-' || (hash(i // 4, 'svc') % 200) || '.default.svc.cluster.local'",
	attrsColumn:        "chr(31) || 'component' || chr(30) || 'proxy' || chr(31) || 'node_id' || chr(30) || 'sidecar~10.0.3.17~svc-' || (i % 200) || chr(31)",
	requestHashColumn:  "md5_number_lower(request_id)",
	rowHashColumn:      "(hash(i) >> 1)::BIGINT",
}

// spanFixtures holds generated span backends by size, shared by the
// benchmarks; TestMain closes them with the access-log fixtures.
var spanFixtures = map[int]*Backend{}

// spanBenchBackend returns a backend holding n generated spans.
func spanBenchBackend(b *testing.B, n int) *Backend {
	benchFixturesMu.Lock()
	defer benchFixturesMu.Unlock()
	if be := spanFixtures[n]; be != nil {
		return be
	}
	be := openFixture(b)
	spanFixtures[n] = be
	t0 := time.Now()
	generateRows(b, be, spanParts, sqlColumnsOf(spanColumns), spanGenExprs, []string{requestHashColumn, rowHashColumn}, n)
	b.Logf("generated %d spans in %s", n, time.Since(t0).Round(time.Millisecond))
	return be
}

// BenchmarkSpanLookup measures GetTrace and TracesByRequestID for traces
// picked at random, and reports p99 latency. Goal: p99 under 50 ms on 10M
// spans.
func BenchmarkSpanLookup(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		be := spanBenchBackend(b, n)
		type pick struct {
			id  storage.TraceID
			req string
		}
		var picks []pick
		rows, err := be.duck.db.Query("SELECT trace_id_high, trace_id_low, request_id FROM spans USING SAMPLE 1000 ROWS")
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var p pick
			_ = rows.Scan(&p.id.High, &p.id.Low, &p.req)
			picks = append(picks, p)
		}
		rows.Close()
		ctx := context.Background()
		lookups := map[string]func(p pick) (int, error){
			"ByTraceID": func(p pick) (int, error) {
				tr, err := be.GetTrace(ctx, p.id)
				return len(tr.Spans), err
			},
			"ByRequestID": func(p pick) (int, error) {
				trs, err := be.TracesByRequestID(ctx, p.req)
				if len(trs) != 1 {
					return 0, err
				}
				return len(trs[0].Spans), err
			},
		}
		for _, name := range []string{"ByTraceID", "ByRequestID"} {
			lookup := lookups[name]
			b.Run(name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 1))
				var lat []time.Duration
				b.ReportAllocs()
				cpu0 := testutil.ProcessCPU()
				for b.Loop() {
					p := picks[r.IntN(len(picks))]
					t0 := time.Now()
					got, err := lookup(p)
					lat = append(lat, time.Since(t0))
					if err != nil || got != 4 {
						b.Fatalf("%s %v: %d spans, %v", name, p, got, err)
					}
				}
				reportCPU(b, cpu0)
				slices.Sort(lat)
				b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1].Microseconds())/1000, "p99-ms")
			})
		}
	})
}

// BenchmarkDependencies measures dependency links for one hour of the
// generated spans (half of them: the fixture spans two hours).
func BenchmarkDependencies(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		be := spanBenchBackend(b, n)
		end := benchBase().Add(benchSpan / 2)
		b.ReportAllocs()
		cpu0 := testutil.ProcessCPU()
		for b.Loop() {
			links, err := be.Dependencies(context.Background(), end, time.Hour)
			if err != nil || len(links) == 0 {
				b.Fatalf("Dependencies: %d links, %v", len(links), err)
			}
		}
		b.ReportMetric(float64(n/2*b.N)/b.Elapsed().Seconds(), "spans/s")
		reportCPU(b, cpu0)
	})
}
