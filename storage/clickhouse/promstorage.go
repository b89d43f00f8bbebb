package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/metadata"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// Storage exposes the samples side as a Prometheus storage.Storage, for
// engines and tests that need the full interface (e.g. Prometheus' PromQL
// test corpus). Its appenders store floats and native histograms through
// the same path as AppendSamples, at Commit; exemplars and start
// timestamps are not stored (their appends fail). The Backend owns the
// connection: the Storage's Close does nothing.
func (b *Backend) Storage() promstorage.Storage { return promStorage{b} }

type promStorage struct{ b *Backend }

func (s promStorage) Querier(mint, maxt int64) (promstorage.Querier, error) {
	return s.b.Querier(mint, maxt)
}

func (s promStorage) ChunkQuerier(mint, maxt int64) (promstorage.ChunkQuerier, error) {
	q, _ := s.b.Querier(mint, maxt)
	return chunkQuerier{q.(*querier)}, nil
}

func (s promStorage) Appender(ctx context.Context) promstorage.Appender {
	return appenderV1{&appender{b: s.b, ctx: ctx}}
}

func (s promStorage) AppenderV2(ctx context.Context) promstorage.AppenderV2 {
	return &appender{b: s.b, ctx: ctx}
}

// StartTime is the oldest sample time stored (ms), or MaxInt64 when empty.
func (s promStorage) StartTime() (int64, error) {
	var n uint64
	var t int64
	err := s.b.conn.QueryRow(context.Background(), "SELECT count(), min(t) FROM "+s.b.table("samples")).Scan(&n, &t)
	if err != nil {
		return 0, fmt.Errorf("clickhouse: reading the oldest sample: %w", err)
	}
	if n == 0 {
		return math.MaxInt64, nil
	}
	return t, nil
}

func (s promStorage) Close() error { return nil }

type chunkQuerier struct{ q *querier }

func (c chunkQuerier) Select(ctx context.Context, sortSeries bool, hints *promstorage.SelectHints, ms ...*labels.Matcher) promstorage.ChunkSeriesSet {
	return promstorage.NewSeriesSetToChunkSet(c.q.Select(ctx, sortSeries, hints, ms...))
}

func (c chunkQuerier) LabelValues(ctx context.Context, name string, hints *promstorage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return c.q.LabelValues(ctx, name, hints, ms...)
}

func (c chunkQuerier) LabelNames(ctx context.Context, hints *promstorage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return c.q.LabelNames(ctx, hints, ms...)
}

func (c chunkQuerier) Close() error { return nil }

// appender buffers samples until Commit, which stores them with
// appendRows (one transaction's worth of batched INSERTs).
type appender struct {
	b    *Backend
	ctx  context.Context
	rows []sampleRow
}

var errNotStored = errors.New("clickhouse backend: not stored (floats and native histograms only)")

func (a *appender) add(l labels.Labels, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram) promstorage.SeriesRef {
	if h != nil {
		fh = h.ToFloat(nil)
	} else if fh != nil {
		fh = fh.Copy()
	}
	a.rows = append(a.rows, sampleRow{lset: l.Copy(), t: t, v: v, fh: fh})
	return promstorage.SeriesRef(l.Hash())
}

// Append implements storage.AppenderV2.
func (a *appender) Append(_ promstorage.SeriesRef, l labels.Labels, _ /* st */, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram, _ promstorage.AppendV2Options) (promstorage.SeriesRef, error) {
	return a.add(l, t, v, h, fh), nil
}

func (a *appender) Commit() error {
	rows := a.rows
	a.rows = nil
	return a.b.appendRows(a.ctx, rows)
}

func (a *appender) Rollback() error {
	a.rows = nil
	return nil
}

// appenderV1 is the deprecated storage.Appender over the same buffer.
type appenderV1 struct{ *appender }

func (a appenderV1) Append(_ promstorage.SeriesRef, l labels.Labels, t int64, v float64) (promstorage.SeriesRef, error) {
	return a.add(l, t, v, nil, nil), nil
}

func (a appenderV1) SetOptions(*promstorage.AppendOptions) {}

func (a appenderV1) AppendExemplar(promstorage.SeriesRef, labels.Labels, exemplar.Exemplar) (promstorage.SeriesRef, error) {
	return 0, fmt.Errorf("exemplar: %w", errNotStored)
}

func (a appenderV1) AppendHistogram(_ promstorage.SeriesRef, l labels.Labels, t int64, h *histogram.Histogram, fh *histogram.FloatHistogram) (promstorage.SeriesRef, error) {
	return a.add(l, t, 0, h, fh), nil
}

// UpdateMetadata is accepted and ignored: metadata reaches the backend
// through storage.MetadataStore.
func (a appenderV1) UpdateMetadata(ref promstorage.SeriesRef, _ labels.Labels, _ metadata.Metadata) (promstorage.SeriesRef, error) {
	return ref, nil
}

func (a appenderV1) AppendSTZeroSample(promstorage.SeriesRef, labels.Labels, int64, int64) (promstorage.SeriesRef, error) {
	return 0, fmt.Errorf("start timestamp: %w", errNotStored)
}

func (a appenderV1) AppendHistogramSTZeroSample(promstorage.SeriesRef, labels.Labels, int64, int64, *histogram.Histogram, *histogram.FloatHistogram) (promstorage.SeriesRef, error) {
	return 0, fmt.Errorf("start timestamp: %w", errNotStored)
}
