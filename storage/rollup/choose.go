package rollup

import (
	"math"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// PreferReporter keeps, out of aggs, the ones that count each request
// once, following storage.REDReader's rule: per source, minute (zero for
// whole-window aggregates), destination service and destination
// namespace, only the aggregates of the preferred reporter ("destination"
// for per-service RED, "source" for edges) count, and the other reporter's
// stand in where the preferred one has none. It returns a new slice
// sharing aggs' sketches.
func PreferReporter(aggs []storage.RollupAggregate, preferred string) []storage.RollupAggregate {
	type dest struct {
		minute                 time.Time
		source, service, names string
	}
	has := map[dest]bool{}
	key := func(a *storage.RollupAggregate) dest {
		return dest{a.Minute, a.Source, a.Edge.DestinationService, a.Edge.DestinationNamespace}
	}
	for i := range aggs {
		if aggs[i].Reporter == preferred {
			has[key(&aggs[i])] = true
		}
	}
	out := make([]storage.RollupAggregate, 0, len(aggs))
	for i := range aggs {
		if aggs[i].Reporter == preferred || !has[key(&aggs[i])] {
			out = append(out, aggs[i])
		}
	}
	return out
}

// CallerView keeps, out of aggs, what a graph's edges count: per source,
// minute and destination (service, namespace), the caller-reported
// ("source") aggregates, or the destination-reported ones where there are
// no caller-reported ones, as PreferReporter(aggs, "source"); and in
// addition, destination-reported aggregates whose caller is unknown when
// the same source also names known callers from the destination's side.
// Such a reporter sees who calls (Istio metrics with peer metadata, server
// spans with their parent), so its unknown callers are callers outside the
// mesh that no caller-side proxy reported, and the edge from "unknown"
// would otherwise vanish.
func CallerView(aggs []storage.RollupAggregate) []storage.RollupAggregate {
	type dest struct {
		minute                 time.Time
		source, service, names string
	}
	hasSource, knowsCallers := map[dest]bool{}, map[dest]bool{}
	key := func(a *storage.RollupAggregate) dest {
		return dest{a.Minute, a.Source, a.Edge.DestinationService, a.Edge.DestinationNamespace}
	}
	unknown := func(a *storage.RollupAggregate) bool {
		return a.Edge.SourceService == "" || a.Edge.SourceService == "unknown"
	}
	for i := range aggs {
		a := &aggs[i]
		if a.Reporter == "source" {
			hasSource[key(a)] = true
		} else if !unknown(a) {
			knowsCallers[key(a)] = true
		}
	}
	out := make([]storage.RollupAggregate, 0, len(aggs))
	for i := range aggs {
		a := &aggs[i]
		k := key(a)
		if a.Reporter == "source" || !hasSource[k] || (unknown(a) && knowsCallers[k]) {
			out = append(out, *a)
		}
	}
	return out
}

// MergeAggregate adds a into into: counts add, the sketch merges (into's
// sketch must be its own), LatencyError takes the maximum.
func MergeAggregate(into *storage.RollupAggregate, a *storage.RollupAggregate) {
	into.RollupCounts.Add(a.RollupCounts)
	for i, n := range a.RequestsByClass {
		into.RequestsByClass[i] += n
	}
	into.LatencyError = math.Max(into.LatencyError, a.LatencyError)
	if into.Latency == nil {
		into.Latency = storage.NewLatencySketch()
	}
	if a.Latency != nil {
		_ = into.Latency.MergeWith(a.Latency) // same mapping: cannot fail
	}
}
