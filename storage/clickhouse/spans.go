package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/spancols"
)

type sp = storage.Span

// spanColumns is the spans schema, one typed column per storage.Span field
// (trace id as two UInt64, start in µs); Attrs are two parallel
// Array(String) columns and Events one JSON String ("" when none). The
// table then has day, request_hash and row_hash.
var spanColumns = append(fieldColumns(storage.SpanFields),
	column[sp]{"attr_keys", func(r *sp) any { return spancols.Keys(r) }, func(r *sp) any { return attrDest{r, false} }},
	column[sp]{"attr_values", func(r *sp) any { return spancols.Values(r) }, func(r *sp) any { return attrDest{r, true} }},
	column[sp]{"events", func(r *sp) any { return spancols.EncodeEvents(r.Events) }, func(r *sp) any { return eventsDest{r} }})

// attrDest scans attr_keys or attr_values into Attrs, in either order.
type attrDest struct {
	r      *sp
	values bool
}

func (d attrDest) Scan(src any) error {
	list, ok := src.([]string)
	if !ok {
		return fmt.Errorf("scanning %T into span attributes", src)
	}
	spancols.SetAttrs(d.r, list, d.values)
	return nil
}

type eventsDest struct{ r *sp }

func (d eventsDest) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("column events: scanning %T as JSON text", src)
	}
	evs, err := spancols.DecodeEvents(s)
	if err != nil {
		return fmt.Errorf("column events: %w", err)
	}
	d.r.Events = evs
	return nil
}

// WriteSpans implements storage.SpanWriter: one INSERT per call (the
// request-id and service indexes are filled by materialized views), Start
// truncated to µs; a nil error means ClickHouse acknowledged it. An exact
// duplicate of a stored span or of another span of the batch is stored
// once (identical spans share their whole sorting key, and readers use
// FINAL). Spans that start outside [now−Retention, now+1 day] are reported
// in a *storage.RejectedError after the rest is stored.
func (b *Backend) WriteSpans(ctx context.Context, spans []storage.Span) error {
	now := time.Now()
	oldest, newest := now.Add(-b.cfg.retention()), now.Add(maxFutureSkew)
	rej := &storage.RejectedError{Signal: "spans"}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("spans")+" ("+spanColumns.names("")+", day, request_hash, row_hash)")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into spans: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	seen := make(map[uint64]bool, len(spans))
	vals := make([]any, 0, len(spanColumns)+3)
	n := 0
	for i := range spans {
		s := &spans[i]
		if s.Start.Before(oldest) || s.Start.After(newest) {
			rej.Rejected++
			if len(rej.Examples) < maxReportedRejects {
				rej.Examples = append(rej.Examples, fmt.Sprintf("span %016x%016x/%016x at %s: outside [%s, %s]",
					s.TraceID.High, s.TraceID.Low, s.SpanID, s.Start.UTC().Format(time.RFC3339Nano),
					oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)))
			}
			continue
		}
		vals = spanColumns.values(s, vals[:0])
		h := hashValues(vals)
		if seen[h] {
			continue
		}
		seen[h] = true
		vals = append(vals, utcDay(s.Start), requestHash(s.RequestID), h)
		if err := batch.Append(vals...); err != nil {
			return fmt.Errorf("clickhouse: appending to spans: %w", err)
		}
		n++
	}
	if n > 0 {
		if err := batch.Send(); err != nil {
			return fmt.Errorf("clickhouse: inserting %d spans: %w", n, err)
		}
	}
	if rej.Rejected > 0 {
		return rej
	}
	return nil
}
