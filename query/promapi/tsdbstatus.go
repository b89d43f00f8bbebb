package promapi

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/storage"
)

// maxTSDBStatusLimit is Prometheus' bound on /status/tsdb's limit.
const maxTSDBStatusLimit = 10000

// tsdbStat, headStats and tsdbStatus carry Prometheus' /status/tsdb shape.
type tsdbStat struct {
	Name  string `json:"name"`
	Value uint64 `json:"value"`
}

type headStats struct {
	NumSeries     uint64 `json:"numSeries"`
	NumLabelPairs int    `json:"numLabelPairs"`
	ChunkCount    int64  `json:"chunkCount"`
	MinTime       int64  `json:"minTime"`
	MaxTime       int64  `json:"maxTime"`
}

type tsdbStatus struct {
	HeadStats                   headStats  `json:"headStats"`
	SeriesCountByMetricName     []tsdbStat `json:"seriesCountByMetricName"`
	LabelValueCountByLabelName  []tsdbStat `json:"labelValueCountByLabelName"`
	MemoryInBytesByLabelName    []tsdbStat `json:"memoryInBytesByLabelName"`
	SeriesCountByLabelValuePair []tsdbStat `json:"seriesCountByLabelValuePair"`
}

type labelPair struct{ name, value string }

// serveTSDBStatus serves /api/v1/status/tsdb: cardinality statistics, the
// top `limit` (default 10) of each list. The Queryable need not be a TSDB,
// so they are counted by scanning the labels of every stored series, which
// costs time and memory in proportion to the series count; "head" means
// the whole store here, and chunk count and time range are reported as 0.
func (a *API) serveTSDBStatus(r *http.Request) result {
	limit := 10
	if s := r.FormValue("limit"); s != "" {
		var err error
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 {
			return errResult(badData(errors.New("limit must be a positive number")))
		}
		if limit > maxTSDBStatusLimit {
			return errResult(badData(fmt.Errorf("limit must not exceed %d", maxTSDBStatusLimit)))
		}
	}
	mint, maxt := timestamp.FromTime(minTime), timestamp.FromTime(maxTime)
	q, err := a.queryable.Querier(mint, maxt)
	if err != nil {
		return errResult(classify(fmt.Errorf("open querier: %w", err)))
	}
	// Map keys may point into storage memory until the querier is closed,
	// after the answer is written.
	res := result{finalizer: func() { q.Close() }}

	ctx := r.Context()
	hints := &storage.SelectHints{Start: mint, End: maxt, Func: "series"}
	set := q.Select(ctx, false, hints, labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, ".+"))
	var numSeries uint64
	byMetric := map[string]uint64{}
	byPair := map[labelPair]uint64{}
	for set.Next() {
		numSeries++
		if numSeries%checkContextEvery == 0 {
			if err := ctx.Err(); err != nil {
				res.err = classify(err)
				return res
			}
		}
		set.At().Labels().Range(func(l labels.Label) {
			byPair[labelPair{l.Name, l.Value}]++
			if l.Name == labels.MetricName {
				byMetric[l.Value]++
			}
		})
	}
	if err := set.Err(); err != nil {
		res.err = classify(fmt.Errorf("scan series: %w", err))
		return res
	}

	valuesByName := map[string]uint64{}
	bytesByName := map[string]uint64{}
	pairs := make(map[string]uint64, len(byPair))
	for p, n := range byPair {
		valuesByName[p.name]++
		bytesByName[p.name] += uint64(len(p.value))
		pairs[p.name+"="+p.value] = n
	}
	res.data = tsdbStatus{
		HeadStats:                   headStats{NumSeries: numSeries, NumLabelPairs: len(byPair)},
		SeriesCountByMetricName:     topStats(byMetric, limit),
		LabelValueCountByLabelName:  topStats(valuesByName, limit),
		MemoryInBytesByLabelName:    topStats(bytesByName, limit),
		SeriesCountByLabelValuePair: topStats(pairs, limit),
	}
	return res
}

// topStats returns the limit largest counts, largest first, ties by name.
func topStats(counts map[string]uint64, limit int) []tsdbStat {
	out := make([]tsdbStat, 0, len(counts))
	for name, n := range counts {
		out = append(out, tsdbStat{Name: name, Value: n})
	}
	slices.SortFunc(out, func(x, y tsdbStat) int {
		if c := cmp.Compare(y.Value, x.Value); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	})
	return out[:min(limit, len(out))]
}
