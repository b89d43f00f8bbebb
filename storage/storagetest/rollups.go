package storagetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
)

// RunRollups runs the storage.RollupWriter / storage.RollupReader
// conformance suite: merging, replay, durability, filters, and RED from
// rollups of the RED corpus against BruteForceRED over the raw records
// (counts exact, quantiles within storage.SketchRelativeAccuracy).
func RunRollups(t *testing.T, h Harness) {
	t.Run("Merge", func(t *testing.T) { testRollupMerge(t, h) })
	t.Run("ReplayAndDurable", func(t *testing.T) { testRollupReplay(t, h) })
	t.Run("Filters", func(t *testing.T) { testRollupFilters(t, h) })
	t.Run("AgainstRawLogs", func(t *testing.T) { testRollupAgainstRaw(t, h) })
}

type rollupStore interface {
	storage.RollupWriter
	storage.RollupReader
}

func openRollups(t *testing.T, h Harness) (storage.Backend, rollupStore) {
	t.Helper()
	b := h.Open(t)
	t.Cleanup(func() { _ = b.Close() })
	return b, as[rollupStore](t, b, "a storage.RollupWriter and storage.RollupReader")
}

func mustWriteRollups(t *testing.T, w storage.RollupWriter, id uint64, rows []storage.Rollup) {
	t.Helper()
	if err := w.WriteRollups(context.Background(), id, rows); err != nil {
		t.Fatalf("WriteRollups(%d, %d rows): %v", id, len(rows), err)
	}
}

func mustRollups(t *testing.T, r storage.RollupReader, q storage.RollupQuery) []storage.RollupAggregate {
	t.Helper()
	got, err := r.Rollups(context.Background(), q)
	if err != nil {
		t.Fatalf("Rollups(%+v): %v", q, err)
	}
	slices.SortFunc(got, func(a, b storage.RollupAggregate) int {
		return rollup.CompareKeys(storage.RollupKey{Minute: a.Minute, Edge: a.Edge, Source: a.Source, Reporter: a.Reporter},
			storage.RollupKey{Minute: b.Minute, Edge: b.Edge, Source: b.Source, Reporter: b.Reporter})
	})
	return got
}

// rollupFixture is a few hand-made rollup rows around base.
func rollupFixture(base time.Time, minutes int, durations ...float64) []storage.Rollup {
	var rows []storage.Rollup
	for m := range minutes {
		for i, src := range []string{"productpage", "reviews"} {
			r := storage.Rollup{
				RollupKey: storage.RollupKey{Minute: base.Add(time.Duration(m) * time.Minute), CodeClass: 2,
					Source: storage.RollupSourceLogs, Reporter: "source",
					Edge: storage.Edge{SourceService: src, SourceNamespace: []string{"default", "shop"}[i],
						DestinationService: "ratings", DestinationNamespace: "default", DestinationVersion: "v1", Protocol: "http"}},
				RollupCounts: storage.RollupCounts{Requests: int64(len(durations)), Errors: 1, ClientErrors: 2,
					BytesIn: 100, BytesOut: 1000, MTLSRequests: 1, MTLSKnown: 2},
				Latency: storage.NewLatencySketch(), LatencyError: storage.SketchRelativeAccuracy,
			}
			for _, d := range durations {
				_ = r.Latency.Add(d)
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func testRollupMerge(t *testing.T, h Harness) {
	_, rs := openRollups(t, h)
	base := dayBase().Add(-2 * time.Hour)
	mustWriteRollups(t, rs, 1, rollupFixture(base, 3, 10, 20, 30))
	mustWriteRollups(t, rs, 2, rollupFixture(base.Add(time.Minute), 3, 1000))
	got := mustRollups(t, rs, storage.RollupQuery{Start: base, End: base.Add(10 * time.Minute)})
	if len(got) != 2 {
		t.Fatalf("got %d groups, want 2: %+v", len(got), got)
	}
	for _, a := range got {
		// 3 minutes × 3 requests + 3 minutes × 1 request.
		want := storage.RollupCounts{Requests: 12, Errors: 6, ClientErrors: 12, BytesIn: 600, BytesOut: 6000, MTLSRequests: 6, MTLSKnown: 12}
		if a.RollupCounts != want {
			t.Errorf("%s: counts %+v, want %+v", a.Edge.SourceService, a.RollupCounts, want)
		}
		if n := a.Latency.GetCount(); n != 12 {
			t.Errorf("%s: sketch counts %v values, want 12", a.Edge.SourceService, n)
		}
		checkQuantile(t, a.Edge.SourceService+" p50", storage.SketchQuantile(a.Latency, 0.5), 20)
		checkQuantile(t, a.Edge.SourceService+" p99", storage.SketchQuantile(a.Latency, 0.99), 1000)
		if a.LatencyError != storage.SketchRelativeAccuracy {
			t.Errorf("LatencyError %v", a.LatencyError)
		}
	}
	// Sums only: the same counts, no sketches.
	for _, a := range mustRollups(t, rs, storage.RollupQuery{Start: base, End: base.Add(10 * time.Minute), SkipLatency: true}) {
		if a.Requests != 12 || a.Latency != nil {
			t.Errorf("SkipLatency: %d requests, latency %v; want 12 and nil", a.Requests, a.Latency)
		}
	}
	// Per minute: minute 0 has batch 1 only, minutes 1-2 both, minute 3 batch 2 only.
	per := mustRollups(t, rs, storage.RollupQuery{Start: base, End: base.Add(10 * time.Minute), PerMinute: true, SourceService: "reviews"})
	var reqs []int64
	for _, a := range per {
		reqs = append(reqs, a.Requests)
	}
	if !slices.Equal(reqs, []int64{3, 4, 4, 1}) {
		t.Fatalf("per-minute requests %v, want [3 4 4 1]", reqs)
	}
}

func checkQuantile(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > storage.SketchRelativeAccuracy*want+1e-9 {
		t.Errorf("%s = %v, want %v ± %v%%", what, got, want, 100*storage.SketchRelativeAccuracy)
	}
}

func testRollupReplay(t *testing.T, h Harness) {
	b, rs := openRollups(t, h)
	base := dayBase().Add(-3 * time.Hour)
	rows := rollupFixture(base, 2, 5)
	mustWriteRollups(t, rs, 7, rows)
	mustWriteRollups(t, rs, 7, rows) // a replay: skipped
	q := storage.RollupQuery{Start: base, End: base.Add(time.Hour)}
	total := func(rs storage.RollupReader) int64 {
		var n int64
		for _, a := range mustRollups(t, rs, q) {
			n += a.Requests
		}
		return n
	}
	if n := total(rs); n != 4 {
		t.Fatalf("after a replay: %d requests, want 4", n)
	}
	b = reopen(t, h, b)
	rs = as[rollupStore](t, b, "a rollup store")
	if n := total(rs); n != 4 {
		t.Fatalf("after reopen: %d requests, want 4", n)
	}
	mustWriteRollups(t, rs, 7, rows) // a replay after the restart
	mustWriteRollups(t, rs, 8, rows) // a new batch with the same rows
	if n := total(rs); n != 8 {
		t.Fatalf("after a replay and a new batch: %d requests, want 8", n)
	}
}

func testRollupFilters(t *testing.T, h Harness) {
	_, rs := openRollups(t, h)
	base := dayBase().Add(-4 * time.Hour)
	rows := rollupFixture(base, 5, 7)
	spans := rollupFixture(base, 1, 9)
	for i := range spans {
		spans[i].Source, spans[i].Reporter = storage.RollupSourceSpans, "destination"
	}
	mustWriteRollups(t, rs, 1, append(rows, spans...))
	cases := []struct {
		name string
		q    storage.RollupQuery
		want int64 // requests
		n    int   // groups
	}{
		{"all", storage.RollupQuery{Start: base, End: base.Add(time.Hour)}, 12, 4},
		{"window is half-open", storage.RollupQuery{Start: base.Add(time.Minute), End: base.Add(3 * time.Minute)}, 4, 2},
		{"partial minutes count whole", storage.RollupQuery{Start: base.Add(90 * time.Second), End: base.Add(150 * time.Second)}, 4, 2},
		{"namespace matches either side", storage.RollupQuery{Start: base, End: base.Add(time.Hour), Namespace: "shop"}, 6, 2},
		{"namespace default", storage.RollupQuery{Start: base, End: base.Add(time.Hour), Namespace: "default"}, 12, 4},
		{"sources", storage.RollupQuery{Start: base, End: base.Add(time.Hour), Sources: []string{"spans"}}, 2, 2},
		{"source service", storage.RollupQuery{Start: base, End: base.Add(time.Hour), SourceService: "reviews", SourceNamespace: "shop"}, 6, 2},
		{"destination", storage.RollupQuery{Start: base, End: base.Add(time.Hour), DestinationService: "ratings", DestinationNamespace: "default"}, 12, 4},
		{"no destination match", storage.RollupQuery{Start: base, End: base.Add(time.Hour), DestinationService: "ratings", DestinationNamespace: "shop"}, 0, 0},
		{"before", storage.RollupQuery{Start: base.Add(-time.Hour), End: base}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustRollups(t, rs, c.q)
			var n int64
			for _, a := range got {
				n += a.Requests
			}
			if n != c.want || len(got) != c.n {
				t.Fatalf("%d requests in %d groups, want %d in %d: %+v", n, len(got), c.want, c.n, got)
			}
		})
	}
}

// rollupProtocol maps the corpus' protocols as the rollup builder does.
func rollupProtocol(p string) string {
	if p == "TCP" || p == "" {
		return "tcp"
	}
	return "http"
}

func testRollupAgainstRaw(t *testing.T, h Harness) {
	_, rs := openRollups(t, h)
	base := dayBase()
	rows := REDCorpus(DefaultREDCorpusRows, base, 3)
	for i := range rows {
		rows[i].Protocol = rollupProtocol(rows[i].Protocol)
	}
	b := rollup.NewBuilder()
	for i := 0; i < len(rows); i += 2000 {
		batch := rows[i:min(i+2000, len(rows))]
		b.Reset()
		b.AddAccessLogs(batch)
		mustWriteRollups(t, rs, rollup.BatchIDAccessLogs(batch), b.Rows())
		if i == 0 { // a replayed batch changes nothing
			mustWriteRollups(t, rs, rollup.BatchIDAccessLogs(batch), b.Rows())
		}
	}
	windows := []struct{ start, end time.Time }{
		{base.Add(-time.Hour), base.Add(time.Hour)},
		{base.Add(-10 * time.Minute), base.Add(20 * time.Minute)},
		{base, base.Add(2 * time.Minute)},
	}
	for _, w := range windows {
		for _, by := range []string{"service", "edge"} {
			t.Run(fmt.Sprintf("%s/%s/%s", by, w.end.Sub(w.start), w.start.Sub(base)), func(t *testing.T) {
				want := BruteForceRED(rows, storage.REDQuery{Start: w.start, End: w.end, By: by})
				aggs := mustRollups(t, rs, storage.RollupQuery{Start: w.start, End: w.end})
				got := redFromRollups(aggs, by, w.end.Sub(w.start))
				if len(got) != len(want) {
					t.Fatalf("got %d groups, want %d", len(got), len(want))
				}
				bad := 0
				for i := range want {
					g, x := got[i], want[i]
					if g.Edge != x.Edge || g.RED.Requests != x.RED.Requests || g.RED.Errors != x.RED.Errors ||
						g.RED.ClientErrors != x.RED.ClientErrors || g.RED.BytesIn != x.RED.BytesIn || g.RED.BytesOut != x.RED.BytesOut {
						t.Errorf("group %d:\n got %+v\nwant %+v", i, g, x)
						bad++
					}
					for _, p := range []struct {
						name      string
						got, want float64
					}{{"p50", g.RED.P50, x.RED.P50}, {"p90", g.RED.P90, x.RED.P90}, {"p99", g.RED.P99, x.RED.P99}} {
						if math.Abs(p.got-p.want) > storage.SketchRelativeAccuracy*p.want+1e-9 {
							t.Errorf("%+v %s = %v, exact %v: off by more than %v%%", x.Edge, p.name, p.got, p.want, 100*storage.SketchRelativeAccuracy)
							bad++
						}
					}
					if bad > 5 {
						t.FailNow()
					}
				}
			})
		}
	}
}

// redFromRollups is RED per service or edge from rollup aggregates, with
// the reporter choice of storage.REDReader.
func redFromRollups(aggs []storage.RollupAggregate, by string, window time.Duration) []storage.REDRow {
	preferred, key := "destination", func(e storage.Edge) storage.Edge {
		return storage.Edge{DestinationService: e.DestinationService, DestinationNamespace: e.DestinationNamespace}
	}
	if by == "edge" {
		preferred, key = "source", func(e storage.Edge) storage.Edge { return e }
	}
	groups := map[storage.Edge]*storage.RollupAggregate{}
	for _, a := range rollup.PreferReporter(aggs, preferred) {
		k := key(a.Edge)
		g := groups[k]
		if g == nil {
			g = &storage.RollupAggregate{Edge: k, Latency: storage.NewLatencySketch()}
			groups[k] = g
		}
		rollup.MergeAggregate(g, &a)
	}
	out := make([]storage.REDRow, 0, len(groups))
	for k, g := range groups {
		out = append(out, storage.REDRow{Edge: k, Sources: []string{"logs"}, RED: storage.RED{
			Requests: g.Requests, Errors: g.Errors, ClientErrors: g.ClientErrors,
			Rate: float64(g.Requests) / window.Seconds(), BytesIn: g.BytesIn, BytesOut: g.BytesOut,
			P50: storage.SketchQuantile(g.Latency, 0.5), P90: storage.SketchQuantile(g.Latency, 0.9),
			P99: storage.SketchQuantile(g.Latency, 0.99), RelativeError: g.LatencyError,
		}})
	}
	slices.SortFunc(out, func(a, b storage.REDRow) int { return compareEdges(a.Edge, b.Edge) })
	return out
}
