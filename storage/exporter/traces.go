package exporter

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// pushTraces stores spans. Spans that cannot be represented (e.g. an
// all-zero trace id) are reported as a permanent error after the others
// are written, so they are not retried forever.
func (w *writer) pushTraces(ctx context.Context, td ptrace.Traces) error {
	spans, convErr := rowconv.SpansFromTraces(td, nil)
	sw, ok := w.backend.(storage.SpanWriter)
	if !ok {
		return consumererror.NewPermanent(fmt.Errorf("writing %d spans: %w", len(spans), storage.ErrNotSupported))
	}
	var err error
	if len(spans) > 0 {
		err = sw.WriteSpans(ctx, spans)
		var rej *storage.RejectedError
		if err != nil && !errors.As(err, &rej) {
			return fmt.Errorf("writing %d spans: %w", len(spans), err)
		}
		if rerr := w.rollupSpans(ctx, spans); rerr != nil {
			return rerr
		}
		if err != nil {
			err = consumererror.NewPermanent(err)
		}
	}
	if convErr != nil {
		err = errors.Join(err, consumererror.NewPermanent(fmt.Errorf("converting spans: %w", convErr)))
	}
	return err
}
