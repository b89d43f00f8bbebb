package graph

import (
	"context"
	"fmt"
	"slices"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
)

// read returns rq's aggregates, with latency sketches only for the
// sources whose numbers will be shown. A node, edge or service shows the
// best source that saw it (sourcePreference); the others count in
// "sources", "missing" and the request and error disagreements only, for
// which sums suffice. So the sums of every source are read, and the
// sketches of the sources that are the best for at least one edge
// (caller's view) or destination: typically access logs alone, a third of
// the sketches when all three sources report. Access logs' are read
// concurrently with the sums, the others' after them when needed.
//
// The best source of a group of edges or destinations is the best among
// the best of each, so choosing per raw (not yet merged) edge and
// destination covers every merged node, edge and service.
func (e *Engine) read(ctx context.Context, rq storage.RollupQuery) ([]storage.RollupAggregate, error) {
	if len(rq.Sources) == 1 {
		return e.rollups(ctx, rq) // one source: it is the best everywhere
	}
	// Access logs are the best source wherever they report, so their
	// sketches are read at once, concurrently with the sums.
	spec := rq
	spec.Sources = []string{storage.RollupSourceLogs}
	type result struct {
		aggs []storage.RollupAggregate
		err  error
	}
	logs := make(chan result, 1)
	if len(rq.Sources) == 0 || slices.Contains(rq.Sources, storage.RollupSourceLogs) {
		go func() {
			aggs, err := e.rollups(ctx, spec)
			logs <- result{aggs, err}
		}()
	} else {
		spec.Sources = nil
		logs <- result{}
	}
	sums := rq
	sums.SkipLatency = true
	aggs, err := e.rollups(ctx, sums)
	got := <-logs
	if err == nil {
		err = got.err
	}
	if err != nil {
		return nil, err
	}
	have := spec.Sources
	out := got.aggs
	var extra []string
	for _, s := range bestSources(aggs) {
		if !slices.Contains(have, s) {
			extra = append(extra, s)
		}
	}
	if len(extra) > 0 {
		full := rq
		full.Sources = extra
		more, err := e.rollups(ctx, full)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
		have = append(have, extra...)
	}
	for i := range aggs {
		if !slices.Contains(have, aggs[i].Source) {
			out = append(out, aggs[i])
		}
	}
	return out, nil
}

func (e *Engine) rollups(ctx context.Context, rq storage.RollupQuery) ([]storage.RollupAggregate, error) {
	aggs, err := e.Reader.Rollups(ctx, rq)
	if err != nil {
		return nil, fmt.Errorf("reading rollups: %w", err)
	}
	return aggs, nil
}

// bestSources is the set of sources that are the best for some edge (as
// CallerView counts them) or some destination (as PreferReporter
// "destination" counts them), in sourcePreference order.
func bestSources(aggs []storage.RollupAggregate) []string {
	rank := map[string]int{}
	for i, s := range sourcePreference {
		rank[s] = i
	}
	type slot struct {
		edge  storage.Edge // Protocol and the source side unset for destinations
		isDst bool
	}
	best := map[slot]int{}
	mark := func(k slot, src string) {
		r, ok := rank[src]
		if !ok {
			return
		}
		if cur, seen := best[k]; !seen || r < cur {
			best[k] = r
		}
	}
	for _, a := range rollup.CallerView(aggs) {
		mark(slot{edge: a.Edge}, a.Source)
	}
	for _, a := range rollup.PreferReporter(aggs, "destination") {
		mark(slot{edge: storage.Edge{DestinationService: a.Edge.DestinationService,
			DestinationNamespace: a.Edge.DestinationNamespace, DestinationVersion: a.Edge.DestinationVersion}, isDst: true}, a.Source)
	}
	used := make([]bool, len(sourcePreference))
	for _, r := range best {
		used[r] = true
	}
	var out []string
	for i, s := range sourcePreference {
		if used[i] {
			out = append(out, s)
		}
	}
	return out
}
