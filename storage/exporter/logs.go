package exporter

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// pushLogs stores access logs and dead letters. Dead letters are written
// first: if they fail, nothing is acknowledged and the batch is retried
// whole, which the backends tolerate (see storage's durability contract).
func (w *writer) pushLogs(ctx context.Context, ld plog.Logs) error {
	recs, dls := rowconv.AccessLogsFromLogs(ld, nil, nil, deriveAccessLog)
	if len(dls) > 0 {
		dw, ok := w.backend.(storage.DeadLetterWriter)
		if !ok {
			return consumererror.NewPermanent(fmt.Errorf("writing %d dead letters: %w", len(dls), storage.ErrNotSupported))
		}
		if err := dw.WriteDeadLetters(ctx, dls); err != nil {
			return fmt.Errorf("writing %d dead letters: %w", len(dls), err)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	aw, ok := w.backend.(storage.AccessLogWriter)
	if !ok {
		return consumererror.NewPermanent(fmt.Errorf("writing %d access logs: %w", len(recs), storage.ErrNotSupported))
	}
	err := aw.WriteAccessLogs(ctx, recs)
	var rej *storage.RejectedError
	if err != nil && !errors.As(err, &rej) {
		return fmt.Errorf("writing %d access logs: %w", len(recs), err)
	}
	if rerr := w.rollupLogs(ctx, recs); rerr != nil {
		return rerr
	}
	if rej != nil {
		return consumererror.NewPermanent(err)
	}
	return nil
}
