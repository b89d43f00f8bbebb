package storagetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// DefaultREDCorpusRows is the RED corpus size when Harness.REDCorpusRows
// is 0.
const DefaultREDCorpusRows = 20_000

// REDCorpus generates n access logs deterministically (seeded), spread over
// [base−30m, base+30m): a dozen services in two namespaces with versions,
// both reporters, HTTP/1.1, HTTP/2 and TCP, every code class, failure and
// non-failure response flags and their combinations, destinations seen
// from one reporter only, unknown (negative)
// durations and heavy-tailed known ones. It is exported for benchmarks.
func REDCorpus(n int, base time.Time, seed uint64) []storage.AccessLog {
	r := rand.New(rand.NewPCG(seed, 42))
	services := []string{"productpage", "reviews", "ratings", "details", "mongodb", "gateway",
		"cart", "checkout", "payment", "search", "users", "unknown"}
	namespaces := []string{"default", "shop"}
	codes := []int32{200, 200, 200, 200, 200, 201, 204, 301, 400, 404, 429, 500, 503, 504, 0}
	flags := []string{"", "", "", "", "", "", "", "UH", "UF", "UF,URX", "DI", "FI", "RL", "DI,UT", "NR", "DC", "UAEX", "SI", "UPE", "LR"}
	protocols := []string{"HTTP/1.1", "HTTP/2", "TCP"}
	span := int64(time.Hour / time.Microsecond)
	rows := make([]storage.AccessLog, n)
	for i := range rows {
		src, dst := services[r.IntN(len(services))], services[r.IntN(len(services)-1)]
		rec := storage.AccessLog{
			Start:          base.Add(time.Duration(r.Int64N(span)-span/2) * time.Microsecond),
			DurationMicros: int64(r.ExpFloat64() * 20_000),
			Protocol:       protocols[r.IntN(len(protocols))],
			ResponseCode:   codes[r.IntN(len(codes))],
			ResponseFlags:  flags[r.IntN(len(flags))],
			BytesReceived:  r.Int64N(5000),
			BytesSent:      r.Int64N(50_000),
			RequestID:      fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()),
			Reporter:       storage.Reporter{Direction: []string{"source", "destination"}[r.IntN(2)]},
			SourceService:  src, SourceNamespace: namespaces[r.IntN(2)], SourceVersion: fmt.Sprintf("v%d", r.IntN(3)+1),
			DestinationService: dst, DestinationNamespace: namespaces[r.IntN(2)], DestinationVersion: fmt.Sprintf("v%d", r.IntN(3)+1),
		}
		if r.IntN(50) == 0 {
			rec.DurationMicros = -1
		}
		// Two callees are seen from one side only, so RED's stand-in
		// reporter is exercised both ways: mongodb has no caller-side
		// records (by edge, its destination records stand in), payment
		// no callee-side ones (by service, its caller records stand in).
		switch dst {
		case "mongodb":
			rec.Reporter.Direction = "destination"
		case "payment":
			rec.Reporter.Direction = "source"
		}
		rows[i] = rec
	}
	return rows
}

// BruteForceRED computes what storage.REDReader must answer for q over
// rows, directly in Go, following the contract in storage and the embedded
// backend's documentation: half-open window, namespace filter, one reporter
// per destination, nearest-rank quantiles.
func BruteForceRED(rows []storage.AccessLog, q storage.REDQuery) []storage.REDRow {
	preferred, key := "destination", func(r *storage.AccessLog) storage.Edge {
		return storage.Edge{DestinationService: r.DestinationService, DestinationNamespace: r.DestinationNamespace}
	}
	inNS := func(r *storage.AccessLog) bool { return r.DestinationNamespace == q.Namespace }
	if q.By == "edge" {
		preferred, key = "source", func(r *storage.AccessLog) storage.Edge {
			return storage.Edge{SourceService: r.SourceService, SourceNamespace: r.SourceNamespace, SourceVersion: r.SourceVersion,
				DestinationService: r.DestinationService, DestinationNamespace: r.DestinationNamespace, DestinationVersion: r.DestinationVersion,
				Protocol: r.Protocol}
		}
		inNS = func(r *storage.AccessLog) bool {
			return r.SourceNamespace == q.Namespace || r.DestinationNamespace == q.Namespace
		}
	}
	type dest struct{ svc, ns string }
	var kept []*storage.AccessLog
	hasPreferred := map[dest]bool{}
	for i := range rows {
		r := &rows[i]
		if r.Start.Before(q.Start) || !r.Start.Before(q.End) || (q.Namespace != "" && !inNS(r)) {
			continue
		}
		kept = append(kept, r)
		if r.Reporter.Direction == preferred {
			hasPreferred[dest{r.DestinationService, r.DestinationNamespace}] = true
		}
	}
	groups := map[storage.Edge]*storage.RED{}
	durations := map[storage.Edge][]int64{}
	for _, r := range kept {
		if hasPreferred[dest{r.DestinationService, r.DestinationNamespace}] && r.Reporter.Direction != preferred {
			continue
		}
		k := key(r)
		g := groups[k]
		if g == nil {
			g = &storage.RED{}
			groups[k] = g
		}
		g.Requests++
		if storage.IsFailure(r.ResponseCode, r.ResponseFlags) {
			g.Errors++
		}
		if storage.IsClientError(r.ResponseCode, r.ResponseFlags) {
			g.ClientErrors++
		}
		g.BytesIn += r.BytesReceived
		g.BytesOut += r.BytesSent
		if r.DurationMicros >= 0 {
			durations[k] = append(durations[k], r.DurationMicros)
		}
	}
	window := q.End.Sub(q.Start).Seconds()
	out := make([]storage.REDRow, 0, len(groups))
	for k, g := range groups {
		g.Rate = float64(g.Requests) / window
		g.ErrorRatio = float64(g.Errors) / float64(g.Requests)
		d := durations[k]
		slices.Sort(d)
		g.P50, g.P90, g.P99 = nearestRankMillis(d, 50), nearestRankMillis(d, 90), nearestRankMillis(d, 99)
		out = append(out, storage.REDRow{Edge: k, RED: *g, Sources: []string{"logs"}})
	}
	slices.SortFunc(out, func(a, b storage.REDRow) int { return compareEdges(a.Edge, b.Edge) })
	return out
}

// nearestRankMillis is the pct-th percentile of sorted µs by nearest rank
// (the value at 1-based rank ceil(pct·n/100), in integers), in ms; 0 for
// no values.
func nearestRankMillis(sorted []int64, pct int) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := max(1, (n*pct+99)/100)
	return float64(sorted[rank-1]) / 1000
}

func compareEdges(a, b storage.Edge) int {
	return cmp.Or(
		cmp.Compare(a.SourceService, b.SourceService), cmp.Compare(a.SourceNamespace, b.SourceNamespace),
		cmp.Compare(a.SourceVersion, b.SourceVersion), cmp.Compare(a.DestinationService, b.DestinationService),
		cmp.Compare(a.DestinationNamespace, b.DestinationNamespace), cmp.Compare(a.DestinationVersion, b.DestinationVersion),
		cmp.Compare(a.Protocol, b.Protocol))
}

func testREDExact(t *testing.T, h Harness) {
	b, ls := openLogs(t, h)
	red, ok := b.(storage.REDReader)
	if !ok {
		t.Fatalf("backend %T is not a storage.REDReader", b)
	}
	n := cmp.Or(h.REDCorpusRows, DefaultREDCorpusRows)
	base := dayBase()
	rows := REDCorpus(n, base, 1)
	for i := 0; i < len(rows); i += 50_000 {
		mustWriteLogs(t, ls, rows[i:min(i+50_000, len(rows))])
	}
	// Stored times are µs; so are the generated ones, so both sides see
	// the same window membership.
	windows := []struct{ start, end time.Time }{
		{base.Add(-time.Hour), base.Add(time.Hour)},               // everything, two days
		{base.Add(-10 * time.Minute), base.Add(20 * time.Minute)}, // a cut through both days
		{base, base.Add(90 * time.Second)},                        // small: few records per group
	}
	for _, w := range windows {
		for _, by := range []string{"service", "edge"} {
			for _, ns := range []string{"", "shop"} {
				q := storage.REDQuery{Start: w.start, End: w.end, By: by, Namespace: ns, Source: "logs"}
				t.Run(fmt.Sprintf("%s/%s/ns=%s/%s", by, w.end.Sub(w.start), ns, w.start.Sub(base)), func(t *testing.T) {
					got, err := red.RED(context.Background(), q)
					if err != nil {
						t.Fatalf("RED(%+v): %v", q, err)
					}
					want := BruteForceRED(rows, q)
					if len(want) == 0 {
						t.Fatal("the corpus gave no groups for this query; the test is wrong")
					}
					diffRED(t, got, want)
				})
			}
		}
	}
}

// diffRED reports the first few differing rows, readably.
func diffRED(t *testing.T, got, want []storage.REDRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d", len(got), len(want))
	}
	bad := 0
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
			if bad++; bad == 5 {
				t.FailNow()
			}
		}
	}
}
