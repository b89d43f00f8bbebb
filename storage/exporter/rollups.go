package exporter

import (
	"context"
	"fmt"
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
	limit := time.Now().Add(maxRollupSkew)
	b := rollup.NewBuilder()
	for i := range recs {
		if !recs[i].Start.After(limit) {
			b.AddAccessLogs(recs[i : i+1])
		}
	}
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
	limit := time.Now().Add(maxRollupSkew)
	keep := spans
	for i := range spans {
		if spans[i].Start.After(limit) {
			keep = make([]storage.Span, 0, len(spans))
			for _, s := range spans {
				if !s.Start.After(limit) {
					keep = append(keep, s)
				}
			}
			break
		}
	}
	b := rollup.NewBuilder()
	b.AddSpans(keep)
	if err := rw.WriteRollups(ctx, rollup.BatchIDSpans(spans), b.Rows()); err != nil {
		return fmt.Errorf("writing rollups of %d spans: %w", len(spans), err)
	}
	return nil
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
