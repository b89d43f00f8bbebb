package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

var _ storage.SpanWriter = (*Backend)(nil)

// WriteSpans implements storage.SpanWriter with the same partitioning,
// transaction, durability and replay guarantees as WriteAccessLogs: each
// span goes to the spans day table of its Start's UTC day (Start truncated
// to µs), a nil error means the spans are durable, and an exact duplicate
// of a stored span or of another span of the batch (the same span sent
// twice, or the same batch retried) is stored once. Spans that start outside [now−Retention, now+1 day] are
// not stored; they are reported in a *storage.RejectedError after the rest
// of the batch is stored.
func (b *Backend) WriteSpans(ctx context.Context, spans []storage.Span) error {
	s := b.duck
	now := s.now()
	oldest, newest := now.Add(-s.retention), now.Add(maxFutureSkew)
	rej := &storage.RejectedError{Signal: "spans"}
	keep := make([]storage.Span, 0, len(spans))
	for _, sp := range spans {
		if sp.Start.Before(oldest) || sp.Start.After(newest) {
			rej.Rejected++
			if len(rej.Examples) < maxReportedRejects {
				rej.Examples = append(rej.Examples, fmt.Sprintf("span %016x%016x/%016x at %s: outside [%s, %s]",
					sp.TraceID.High, sp.TraceID.Low, sp.SpanID, sp.Start.UTC().Format(time.RFC3339Nano),
					oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)))
			}
			continue
		}
		keep = append(keep, sp)
	}
	if len(keep) > 0 {
		if err := writeDays(ctx, s, spanParts, &spanTable, keep); err != nil {
			return err
		}
	}
	if rej.Rejected > 0 {
		return rej
	}
	return nil
}
