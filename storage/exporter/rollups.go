package exporter

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
)

// Rollups are built here, after each durable raw write, rather than inside
// a backend's write path, so that every backend gets them from one
// builder: the exporter hands storage.RollupWriter the rows of the batch
// it just stored, with an id derived from the batch. A retried batch (the
// raw write is then an exact replay, which backends store once) carries
// the same id, which the RollupWriter skips when it already has it, so a
// batch counts once whether the raw or the rollup write failed. Backends
// without a RollupWriter get raw data only.

// maxRollupSkew drops records from too far in the future from rollups, as
// backends reject them from raw storage.
const maxRollupSkew = 24 * time.Hour

func (w *writer) rollupWriter() (storage.RollupWriter, bool) {
	rw, ok := w.backend.(storage.RollupWriter)
	return rw, ok
}

// rollupLogs writes the rollups of access logs that were just stored.
func (w *writer) rollupLogs(ctx context.Context, recs []storage.AccessLog) error {
	rw, ok := w.rollupWriter()
	if !ok || len(recs) == 0 {
		return nil
	}
	b := rollup.NewBuilder()
	b.AddAccessLogs(inHorizon(recs, func(r *storage.AccessLog) time.Time { return r.Start }))
	if err := rw.WriteRollups(ctx, rollup.BatchIDAccessLogs(recs), b.Rows()); err != nil {
		return fmt.Errorf("writing rollups of %d access logs: %w", len(recs), err)
	}
	return nil
}

// rollupSpans writes the rollups of spans that were just stored.
func (w *writer) rollupSpans(ctx context.Context, spans []storage.Span) error {
	rw, ok := w.rollupWriter()
	if !ok || len(spans) == 0 {
		return nil
	}
	b := rollup.NewBuilder()
	b.AddSpans(inHorizon(spans, func(s *storage.Span) time.Time { return s.Start }))
	if err := rw.WriteRollups(ctx, rollup.BatchIDSpans(spans), b.Rows()); err != nil {
		return fmt.Errorf("writing rollups of %d spans: %w", len(spans), err)
	}
	return nil
}

// inHorizon is rows without those more than maxRollupSkew in the future:
// rows itself when there are none (the usual case, without a copy).
func inHorizon[T any](rows []T, at func(*T) time.Time) []T {
	limit := time.Now().Add(maxRollupSkew)
	for i := range rows {
		if at(&rows[i]).After(limit) {
			keep := slices.Clone(rows[:i])
			for j := i + 1; j < len(rows); j++ {
				if !at(&rows[j]).After(limit) {
					keep = append(keep, rows[j])
				}
			}
			return keep
		}
	}
	return rows
}

// rollupSamples writes the rollups of the Istio series among samples that
// were just appended.
func (w *writer) rollupSamples(ctx context.Context, samples []storage.Sample) error {
	rw, ok := w.rollupWriter()
	if !ok || len(samples) == 0 {
		return nil
	}
	if err := w.istio.Apply(ctx, samples, rw.WriteRollups); err != nil {
		return fmt.Errorf("writing rollups of Istio metrics: %w", err)
	}
	return nil
}
