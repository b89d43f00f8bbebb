package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"
)

// Querier implements storage.Queryable over the series and samples tables:
// samples in [mint, maxt] (ms, inclusive).
func (b *Backend) Querier(mint, maxt int64) (promstorage.Querier, error) {
	// The APIs pass ±MaxInt64 for "unbounded"; ClickHouse 18.16 compares
	// Int64 columns with literals that large wrongly, so they are clamped to
	// ±2^62 ms (146 million years).
	const bound = int64(1) << 62
	return &querier{b: b, mint: max(mint, -bound), maxt: min(maxt, bound)}, nil
}

type querier struct {
	b          *Backend
	mint, maxt int64
}

// matcherSQL renders the label matchers as conditions on the series table,
// every value a bound parameter. __name__ is the metric_name column (the
// sorting key's first column); other labels are looked up in the parallel
// label arrays, an absent label reading as "" as in Prometheus. Regular
// expressions are anchored as Prometheus anchors them; ClickHouse's RE2
// and Go's agree on the syntax Prometheus accepts, and every series is
// checked again in Go (matchAll), so a dialect difference could only
// cost speed, never a wrong answer.
func matcherSQL(ms []*labels.Matcher) (string, []any) {
	var conds []string
	var args []any
	for _, m := range ms {
		expr := "label_values[indexOf(label_names, ?)]"
		exprArgs := []any{m.Name}
		if m.Name == labels.MetricName {
			expr, exprArgs = "metric_name", nil
		}
		switch m.Type {
		case labels.MatchEqual:
			conds = append(conds, expr+" = ?")
		case labels.MatchNotEqual:
			conds = append(conds, expr+" != ?")
		case labels.MatchRegexp:
			conds = append(conds, "match("+expr+", ?)")
		case labels.MatchNotRegexp:
			conds = append(conds, "NOT match("+expr+", ?)")
		}
		val := m.Value
		if m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp {
			val = "^(?s:" + m.Value + ")$"
		}
		args = append(append(args, exprArgs...), val)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

func matchAll(ms []*labels.Matcher, lset labels.Labels) bool {
	for _, m := range ms {
		if !m.Matches(lset.Get(m.Name)) {
			return false
		}
	}
	return true
}

// seriesInRange is the fingerprints with a sample in [mint, maxt], as SQL
// with its arguments.
func (q *querier) seriesInRange() (string, []any) {
	return "SELECT DISTINCT fingerprint FROM " + q.b.table("samples") +
			" WHERE day >= toDate(?) AND day <= toDate(?) AND t >= ? AND t <= ?", []any{
			dateParam(q.mint), dateParam(q.maxt), q.mint, q.maxt}
}

// maxDate is the last day every ClickHouse version's Date holds.
var maxDate = time.Date(2105, 12, 31, 0, 0, 0, 0, time.UTC)

// dateParam is the day of a sample time (ms) as a toDate argument,
// clamped to the Date range, so that unbounded ranges stay valid.
func dateParam(ms int64) string {
	if ms >= maxDate.UnixMilli() {
		return maxDate.Format("2006-01-02")
	}
	return dayOfMillis(ms).Format("2006-01-02")
}

type seriesLabels struct {
	fp   uint64
	lset labels.Labels
}

// selectSeries returns the series matching ms that have samples in range.
func (q *querier) selectSeries(ctx context.Context, ms []*labels.Matcher) ([]seriesLabels, error) {
	cond, args := matcherSQL(ms)
	inRange, rangeArgs := q.seriesInRange()
	query := "SELECT fingerprint, any(label_names), any(label_values) FROM " + q.b.table("series") +
		" WHERE " + cond + " AND fingerprint GLOBAL IN (" + inRange + ") GROUP BY fingerprint"
	rows, err := q.b.conn.Query(ctx, query, append(args, rangeArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: selecting series: %w", err)
	}
	defer rows.Close()
	var out []seriesLabels
	var bld labels.ScratchBuilder
	for rows.Next() {
		var s seriesLabels
		var names, values []string
		if err := rows.Scan(&s.fp, &names, &values); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning series: %w", err)
		}
		if len(names) != len(values) {
			return nil, fmt.Errorf("clickhouse: series %d has %d label names and %d values", s.fp, len(names), len(values))
		}
		bld.Reset()
		for i := range names {
			bld.Add(names[i], values[i])
		}
		bld.Sort()
		s.lset = bld.Labels()
		if matchAll(ms, s.lset) {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading series: %w", err)
	}
	return out, nil
}

// Select implements storage.Querier: the matching series, sorted by
// labels, with their samples in range in time order. Usually one query:
// the samples of the series the matchers select (a subquery on the series
// table), ordered by (fingerprint, t), the samples table's sorting key;
// labels come from the backend's label cache, which asks the series table
// only for fingerprints it has not seen.
func (q *querier) Select(ctx context.Context, _ bool, hints *promstorage.SelectHints, ms ...*labels.Matcher) promstorage.SeriesSet {
	if hints != nil && hints.Func == "series" {
		series, err := q.selectSeries(ctx, ms)
		if err != nil {
			return promstorage.ErrSeriesSet(err)
		}
		slices.SortFunc(series, func(a, b seriesLabels) int { return labels.Compare(a.lset, b.lset) })
		out := make([]promstorage.Series, len(series))
		for i, s := range series {
			out[i] = promstorage.NewListSeries(s.lset, nil)
		}
		return &listSet{series: out}
	}
	cond, args := matcherSQL(ms)
	query := "SELECT fingerprint, t, v, h FROM " + q.b.table("samples") +
		" WHERE fingerprint GLOBAL IN (SELECT fingerprint FROM " + q.b.table("series") + " WHERE " + cond + ")" +
		" AND day >= toDate(?) AND day <= toDate(?) AND t >= ? AND t <= ? ORDER BY fingerprint, t"
	args = append(args, dateParam(q.mint), dateParam(q.maxt), q.mint, q.maxt)
	rows, err := q.b.conn.Query(ctx, query, args...)
	if err != nil {
		return promstorage.ErrSeriesSet(fmt.Errorf("clickhouse: selecting samples: %w", err))
	}
	defer rows.Close()
	var fps []uint64
	byFP := map[uint64][]chunks.Sample{}
	for rows.Next() {
		var fp uint64
		var s sample
		var h string
		if err := rows.Scan(&fp, &s.t, &s.f, &h); err != nil {
			return promstorage.ErrSeriesSet(fmt.Errorf("clickhouse: scanning samples: %w", err))
		}
		list, seen := byFP[fp]
		if !seen {
			fps = append(fps, fp)
		}
		if n := len(list); n > 0 && list[n-1].T() == s.t {
			continue // a replayed copy not merged yet
		}
		if h != "" {
			if s.fh, err = decodeHistogram(h); err != nil {
				return promstorage.ErrSeriesSet(fmt.Errorf("clickhouse: series %d at %d: %w", fp, s.t, err))
			}
		}
		byFP[fp] = append(list, s)
	}
	if err := rows.Err(); err != nil {
		return promstorage.ErrSeriesSet(fmt.Errorf("clickhouse: reading samples: %w", err))
	}
	lsets, err := q.b.labelsOf(ctx, fps)
	if err != nil {
		return promstorage.ErrSeriesSet(err)
	}
	out := make([]promstorage.Series, 0, len(fps))
	for _, fp := range fps {
		if l := lsets[fp]; matchAll(ms, l) {
			out = append(out, promstorage.NewListSeries(l, byFP[fp]))
		}
	}
	slices.SortFunc(out, func(a, b promstorage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	return &listSet{series: out}
}

// LabelValues implements storage.LabelQuerier: the sorted distinct values
// of name among the series matching ms with samples in range.
func (q *querier) LabelValues(ctx context.Context, name string, hints *promstorage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	series, err := q.selectSeries(ctx, ms)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, s := range series {
		if v := s.lset.Get(name); v != "" {
			out = append(out, v)
		}
	}
	return limitSorted(out, labelLimit(hints)), nil, nil
}

// LabelNames implements storage.LabelQuerier: the sorted distinct label
// names of the series matching ms with samples in range.
func (q *querier) LabelNames(ctx context.Context, hints *promstorage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	series, err := q.selectSeries(ctx, ms)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, s := range series {
		s.lset.Range(func(l labels.Label) { out = append(out, l.Name) })
	}
	return limitSorted(out, labelLimit(hints)), nil, nil
}

func labelLimit(h *promstorage.LabelHints) int {
	if h == nil {
		return 0
	}
	return h.Limit
}

func limitSorted(vals []string, limit int) []string {
	slices.Sort(vals)
	vals = slices.Compact(vals)
	if limit > 0 && len(vals) > limit {
		vals = vals[:limit]
	}
	if vals == nil {
		vals = []string{}
	}
	return vals
}

// Close implements storage.Querier.
func (q *querier) Close() error { return nil }

// listSet is a SeriesSet over series already read.
type listSet struct {
	series []promstorage.Series
	i      int
}

func (s *listSet) Next() bool {
	if s.i >= len(s.series) {
		return false
	}
	s.i++
	return true
}
func (s *listSet) At() promstorage.Series            { return s.series[s.i-1] }
func (s *listSet) Err() error                        { return nil }
func (s *listSet) Warnings() annotations.Annotations { return nil }

// sample is one stored sample, a float or a native histogram.
type sample struct {
	t  int64
	f  float64
	fh *histogram.FloatHistogram
}

func (s sample) T() int64                      { return s.t }
func (s sample) ST() int64                     { return 0 }
func (s sample) F() float64                    { return s.f }
func (s sample) H() *histogram.Histogram       { return nil }
func (s sample) FH() *histogram.FloatHistogram { return s.fh }
func (s sample) Type() chunkenc.ValueType {
	if s.fh != nil {
		return chunkenc.ValFloatHistogram
	}
	return chunkenc.ValFloat
}
func (s sample) Copy() chunks.Sample {
	if s.fh != nil {
		s.fh = s.fh.Copy()
	}
	return s
}

// labelCache maps fingerprints to their labels. A fingerprint's labels never
// change, so entries never go stale; it holds the series this process has
// read, like Prometheus' in-memory series index.
type labelCache struct {
	mu sync.RWMutex
	m  map[uint64]labels.Labels
}

// labelsOf returns the labels of fps, reading the series table for those
// not cached. A fingerprint without a series row is an error.
func (b *Backend) labelsOf(ctx context.Context, fps []uint64) (map[uint64]labels.Labels, error) {
	out := make(map[uint64]labels.Labels, len(fps))
	var missing strings.Builder
	b.labels.mu.RLock()
	for _, fp := range fps {
		if l, ok := b.labels.m[fp]; ok {
			out[fp] = l
			continue
		}
		if missing.Len() > 0 {
			missing.WriteByte(',')
		}
		fmt.Fprintf(&missing, "%d", fp)
	}
	b.labels.mu.RUnlock()
	if missing.Len() == 0 {
		return out, nil
	}
	rows, err := b.conn.Query(ctx, "SELECT fingerprint, any(label_names), any(label_values) FROM "+b.table("series")+
		" WHERE fingerprint IN ("+missing.String()+") GROUP BY fingerprint")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: reading series labels: %w", err)
	}
	defer rows.Close()
	var bld labels.ScratchBuilder
	b.labels.mu.Lock()
	defer b.labels.mu.Unlock()
	if b.labels.m == nil {
		b.labels.m = map[uint64]labels.Labels{}
	}
	for rows.Next() {
		var fp uint64
		var names, values []string
		if err := rows.Scan(&fp, &names, &values); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning series labels: %w", err)
		}
		l, err := buildLabels(&bld, fp, names, values)
		if err != nil {
			return nil, err
		}
		b.labels.m[fp] = l
		out[fp] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading series labels: %w", err)
	}
	for _, fp := range fps {
		if _, ok := out[fp]; !ok {
			return nil, fmt.Errorf("clickhouse: samples of series %d have no series row", fp)
		}
	}
	return out, nil
}

func buildLabels(bld *labels.ScratchBuilder, fp uint64, names, values []string) (labels.Labels, error) {
	if len(names) != len(values) {
		return labels.EmptyLabels(), fmt.Errorf("clickhouse: series %d has %d label names and %d values", fp, len(names), len(values))
	}
	bld.Reset()
	for i := range names {
		bld.Add(names[i], values[i])
	}
	bld.Sort()
	return bld.Labels(), nil
}
