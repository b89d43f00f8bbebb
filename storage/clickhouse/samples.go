package clickhouse

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/storage"
)

// sampleRow is one sample to store: a float (fh nil) or a native
// histogram.
type sampleRow struct {
	lset labels.Labels
	t    int64
	v    float64
	fh   *histogram.FloatHistogram
}

// seriesState is what the writer knows of a stored series: its newest
// sample, to reject out-of-order ones as Prometheus does.
type seriesState struct {
	lastT int64
	lastV uint64 // float bits, or a hash of the histogram encoding
	lastH *histogram.FloatHistogram
}

// seriesCache is the writer's view of the series it has seen, loaded from
// ClickHouse on first sight of a series (so it survives restarts). Writers
// of samples are serialized by mu: the newest-sample check and the insert
// are one step.
type seriesCache struct {
	mu    sync.Mutex
	state map[uint64]*seriesState
}

func (c *seriesCache) init() { c.state = map[uint64]*seriesState{} }

// maxDaysPerInsert keeps one INSERT below ClickHouse's default limit of
// partitions per insert block (100).
const maxDaysPerInsert = 50

// AppendSamples implements storage.SampleWriter. New series go to the
// series table, samples to samples, each in batched INSERTs; a nil error
// means ClickHouse acknowledged them.
//
// As in Prometheus' TSDB, a sample older than the newest stored one of its
// series is rejected as out of order, and one at the same time with a
// different value as a duplicate; the same time and value is an exact
// replay and stores nothing. Rejected samples are reported in a
// *storage.RejectedError after the rest is stored.
func (b *Backend) AppendSamples(ctx context.Context, samples []storage.Sample) error {
	rows := make([]sampleRow, len(samples))
	for i, s := range samples {
		rows[i] = sampleRow{lset: s.Labels, t: s.T, v: s.V}
	}
	return b.appendRows(ctx, rows)
}

func (b *Backend) appendRows(ctx context.Context, rows []sampleRow) error {
	if len(rows) == 0 {
		return nil
	}
	c := &b.series
	c.mu.Lock()
	defer c.mu.Unlock()
	fps := make([]uint64, len(rows))
	var unknown []uint64
	for i := range rows {
		fps[i] = rows[i].lset.Hash()
		if _, ok := c.state[fps[i]]; !ok {
			unknown = append(unknown, fps[i])
		}
	}
	loaded, err := b.loadSeriesState(ctx, unknown)
	if err != nil {
		return err
	}
	// Decide against a working copy; the cache changes only once the
	// inserts succeeded, so a failed batch can be retried whole.
	work := map[uint64]*seriesState{}
	get := func(fp uint64) (*seriesState, bool) {
		if s, ok := work[fp]; ok {
			return s, true
		}
		s, ok := c.state[fp]
		if !ok {
			s, ok = loaded[fp]
		}
		if !ok {
			return nil, false
		}
		cp := *s
		work[fp] = &cp
		return &cp, true
	}
	var rej *storage.RejectedError
	reject := func(r *sampleRow, why string) {
		if rej == nil {
			rej = &storage.RejectedError{Signal: "samples"}
		}
		rej.Rejected++
		if len(rej.Examples) < maxReportedRejects {
			rej.Examples = append(rej.Examples, fmt.Sprintf("%s@%d: %s", r.lset, r.t, why))
		}
	}
	var newSeries []int
	var keep []int
	encoded := make([]string, len(rows))
	for i := range rows {
		r := &rows[i]
		st, ok := get(fps[i])
		var bits uint64
		if r.fh != nil {
			var prev *histogram.FloatHistogram
			if ok && r.t > st.lastT {
				prev = st.lastH
			}
			r.fh = withResetHint(r.fh, prev)
			encoded[i] = encodeHistogram(r.fh)
			bits = hashValues([]any{encoded[i]})
		} else {
			bits = math.Float64bits(r.v)
		}
		if !ok {
			newSeries = append(newSeries, i)
			work[fps[i]] = &seriesState{lastT: r.t, lastV: bits, lastH: r.fh}
			keep = append(keep, i)
			continue
		}
		switch {
		case r.t < st.lastT:
			reject(r, "out of order sample")
			continue
		case r.t == st.lastT && bits == st.lastV:
			continue // an exact replay
		case r.t == st.lastT:
			reject(r, "duplicate sample for timestamp")
			continue
		}
		st.lastT, st.lastV, st.lastH = r.t, bits, r.fh
		keep = append(keep, i)
	}
	if err := b.insertSeries(ctx, rows, fps, newSeries); err != nil {
		return err
	}
	if err := b.insertSamples(ctx, rows, fps, encoded, keep); err != nil {
		return err
	}
	for fp, s := range work {
		c.state[fp] = s
	}
	if rej != nil {
		return rej
	}
	return nil
}

// loadSeriesState reads the newest sample of each of fps from ClickHouse.
// A fingerprint without samples is absent from the result.
func (b *Backend) loadSeriesState(ctx context.Context, fps []uint64) (map[uint64]*seriesState, error) {
	out := map[uint64]*seriesState{}
	for len(fps) > 0 {
		n := min(len(fps), 1000)
		chunk := fps[:n]
		fps = fps[n:]
		var list strings.Builder
		for i, fp := range chunk {
			if i > 0 {
				list.WriteByte(',')
			}
			fmt.Fprintf(&list, "%d", fp)
		}
		rows, err := b.conn.Query(ctx, fmt.Sprintf(
			"SELECT fingerprint, max(t), argMax(v, t), argMax(h, t) FROM %s WHERE fingerprint IN (%s) GROUP BY fingerprint",
			b.table("samples"), list.String()))
		if err != nil {
			return nil, fmt.Errorf("clickhouse: reading the newest samples of %d series: %w", n, err)
		}
		for rows.Next() {
			var fp uint64
			var t int64
			var v float64
			var h string
			if err := rows.Scan(&fp, &t, &v, &h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("clickhouse: scanning the newest samples: %w", err)
			}
			st := &seriesState{lastT: t, lastV: math.Float64bits(v)}
			if h != "" {
				st.lastV = hashValues([]any{h})
				if st.lastH, err = decodeHistogram(h); err != nil {
					rows.Close()
					return nil, fmt.Errorf("clickhouse: series %d at %d: %w", fp, t, err)
				}
			}
			out[fp] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("clickhouse: reading the newest samples: %w", err)
		}
	}
	return out, nil
}

// insertSeries stores the series rows of rows[idx] (each a new series).
// The series table is a ReplacingMergeTree on the fingerprint, so a series
// stored twice (a retry, another node) is one series.
func (b *Backend) insertSeries(ctx context.Context, rows []sampleRow, fps []uint64, idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("series")+" (metric_name, fingerprint, label_names, label_values)")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into series: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	seen := map[uint64]bool{}
	for _, i := range idx {
		if seen[fps[i]] {
			continue
		}
		seen[fps[i]] = true
		var names, values []string
		rows[i].lset.Range(func(l labels.Label) {
			names = append(names, l.Name)
			values = append(values, l.Value)
		})
		if err := batch.Append(rows[i].lset.Get(labels.MetricName), fps[i], names, values); err != nil {
			return fmt.Errorf("clickhouse: appending to series: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: inserting %d series: %w", len(seen), err)
	}
	return nil
}

// insertSamples stores rows[idx], at most maxDaysPerInsert days per INSERT.
func (b *Backend) insertSamples(ctx context.Context, rows []sampleRow, fps []uint64, encoded []string, idx []int) error {
	for len(idx) > 0 {
		days := map[int64]bool{}
		n := 0
		for n < len(idx) {
			d := dayOfMillis(rows[idx[n]].t).Unix()
			if !days[d] && len(days) == maxDaysPerInsert {
				break
			}
			days[d] = true
			n++
		}
		if err := b.insertSampleBatch(ctx, rows, fps, encoded, idx[:n]); err != nil {
			return err
		}
		idx = idx[n:]
	}
	return nil
}

func (b *Backend) insertSampleBatch(ctx context.Context, rows []sampleRow, fps []uint64, encoded []string, idx []int) error {
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("samples")+" (day, fingerprint, t, v, h)")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into samples: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	for _, i := range idx {
		r := &rows[i]
		if err := batch.Append(dayOfMillis(r.t), fps[i], r.t, r.v, encoded[i]); err != nil {
			return fmt.Errorf("clickhouse: appending to samples: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: inserting %d samples: %w", len(idx), err)
	}
	return nil
}

// dayOfMillis is the UTC day of a sample time (clamped at the epoch).
func dayOfMillis(ms int64) time.Time {
	if ms < 0 {
		ms = 0
	}
	return utcDay(time.UnixMilli(ms))
}

// withResetHint returns fh with the counter-reset hint Prometheus' TSDB
// reads back for it. The TSDB cuts a new chunk where a counter resets (or
// the sample says so, or the series turns from gauge to counter), and its
// chunk iterator reports the first sample of every chunk as
// UnknownCounterReset (the engine then detects resets itself) and the
// others as NotCounterReset; gauge histograms stay GaugeType. Computing
// this at write time, where the previous sample is known, spares readers a
// look behind the queried range. fh is not modified.
func withResetHint(fh, prev *histogram.FloatHistogram) *histogram.FloatHistogram {
	hint := histogram.NotCounterReset
	switch {
	case fh.CounterResetHint == histogram.GaugeType:
		return fh
	case prev == nil || prev.CounterResetHint == histogram.GaugeType ||
		fh.CounterResetHint == histogram.CounterReset || fh.DetectReset(prev):
		hint = histogram.UnknownCounterReset
	}
	if hint == fh.CounterResetHint {
		return fh
	}
	out := fh.Copy()
	out.CounterResetHint = hint
	return out
}
