package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

type dl = storage.DeadLetter

// deadLetterColumns is the dead_letters schema; raw is a String (any bytes).
var deadLetterColumns = columns[dl]{
	microsCol("received_us", func(r *dl) *time.Time { return &r.Received }),
	stringCol("source", func(r *dl) *string { return &r.Source }),
	stringCol("signal", func(r *dl) *string { return &r.Signal }),
	stringCol("error", func(r *dl) *string { return &r.Error }),
	{"raw", func(r *dl) any { return string(r.Raw) }, func(r *dl) any { return rawDest{&r.Raw} }},
	{"size", func(r *dl) any { return int64(r.Size) }, func(r *dl) any { return intDest{&r.Size} }},
}

type rawDest struct{ p *[]byte }

func (d rawDest) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("scanning %T into bytes", src)
	}
	*d.p = []byte(s)
	return nil
}

type intDest struct{ p *int }

func (d intDest) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("scanning %T into an int", src)
	}
	*d.p = int(v)
	return nil
}

// WriteDeadLetters implements storage.DeadLetterWriter with the same
// batching, durability and replay guarantees as WriteAccessLogs. Raw is
// truncated to storage.MaxDeadLetterRaw bytes; a Size of 0 is taken as
// len(Raw). The caller's slices are not modified.
func (b *Backend) WriteDeadLetters(ctx context.Context, rows []storage.DeadLetter) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("dead_letters")+" ("+deadLetterColumns.names("")+", day, row_hash, row_seq)")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into dead_letters: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	seq := seqCounter{}
	vals := make([]any, 0, len(deadLetterColumns)+3)
	for _, r := range rows {
		if r.Size == 0 {
			r.Size = len(r.Raw)
		}
		if len(r.Raw) > storage.MaxDeadLetterRaw {
			r.Raw = r.Raw[:storage.MaxDeadLetterRaw]
		}
		vals = deadLetterColumns.values(&r, vals[:0])
		h := hashValues(vals)
		vals = append(vals, utcDay(r.Received), h, seq.next(h))
		if err := batch.Append(vals...); err != nil {
			return fmt.Errorf("clickhouse: appending to dead_letters: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: inserting %d dead letters: %w", len(rows), err)
	}
	return nil
}

// DeadLetters implements storage.DeadLetterReader: received in
// [start, end), newest first (ties broken by source); limit defaults to
// sqlq.DefaultFindLimit and is capped at sqlq.MaxFindLimit.
func (b *Backend) DeadLetters(ctx context.Context, start, end time.Time, limit int) ([]storage.DeadLetter, error) {
	limit = sqlq.FindLimit(limit)
	rows, err := b.conn.Query(ctx, fmt.Sprintf("SELECT %s FROM %s FINAL WHERE received_us >= ? AND received_us < ? ORDER BY received_us DESC, source LIMIT %d",
		deadLetterColumns.names(""), b.table("dead_letters"), limit), start.UnixMicro(), end.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("clickhouse: querying dead_letters: %w", err)
	}
	defer rows.Close()
	out, err := deadLetterColumns.collect(rows)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: dead_letters: %w", err)
	}
	return out, nil
}
