package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

var (
	_ storage.DeadLetterWriter = (*Backend)(nil)
	_ storage.DeadLetterReader = (*Backend)(nil)
)

type dl = storage.DeadLetter

// deadLetterColumns is the dead_letters schema. It is one table (dead
// letters are few); retention deletes its old rows.
var deadLetterColumns = columns[dl]{
	timeCol("received", func(r *dl) *time.Time { return &r.Received }),
	stringCol("source", func(r *dl) *string { return &r.Source }),
	stringCol("signal", func(r *dl) *string { return &r.Signal }),
	stringCol("error", func(r *dl) *string { return &r.Error }),
	blobCol("raw", func(r *dl) *[]byte { return &r.Raw }),
	intCol("size", func(r *dl) *int { return &r.Size }),
}

var deadLetterTable = appendTable[storage.DeadLetter]{
	name:       "dead_letters",
	cols:       deadLetterColumns,
	timeColumn: "received",
	timeOf:     func(r *dl) time.Time { return r.Received },
}

// WriteDeadLetters implements storage.DeadLetterWriter with the same
// transaction, durability and replay guarantees as WriteAccessLogs. Raw is
// truncated to storage.MaxDeadLetterRaw bytes; a Size of 0 is taken as len(Raw).
// The caller's slice and byte slices are not modified.
func (b *Backend) WriteDeadLetters(ctx context.Context, rows []storage.DeadLetter) error {
	if len(rows) == 0 {
		return nil
	}
	kept := make([]storage.DeadLetter, len(rows))
	tg := target{table: "dead_letters"}
	for i, r := range rows {
		if r.Size == 0 {
			r.Size = len(r.Raw)
		}
		if len(r.Raw) > storage.MaxDeadLetterRaw {
			r.Raw = r.Raw[:storage.MaxDeadLetterRaw]
		}
		if r.Raw == nil {
			r.Raw = []byte{}
		}
		r.Received = r.Received.Truncate(time.Microsecond)
		if i == 0 || r.Received.Before(tg.from) {
			tg.from = r.Received
		}
		if i == 0 || r.Received.After(tg.to) {
			tg.to = r.Received
		}
		kept[i] = r
	}
	s := b.duck
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.tx(ctx, func(c rawConn) error { return deadLetterTable.write(ctx, c, kept, []target{tg}) })
	if err != nil {
		return fmt.Errorf("embedded: writing %d dead letters: %w", len(rows), err)
	}
	return nil
}

// DeadLetters implements storage.DeadLetterReader (ties in received time
// broken by source); limit defaults to sqlq.DefaultFindLimit and is capped at
// sqlq.MaxFindLimit.
func (b *Backend) DeadLetters(ctx context.Context, start, end time.Time, limit int) ([]storage.DeadLetter, error) {
	limit = sqlq.FindLimit(limit)
	rows, err := b.duck.db.QueryContext(ctx, "SELECT "+deadLetterColumns.names()+
		" FROM dead_letters WHERE received >= ? AND received < ? ORDER BY received DESC, source LIMIT ?", start, end, limit)
	if err != nil {
		return nil, fmt.Errorf("embedded: querying dead_letters: %w", err)
	}
	defer rows.Close()
	out, err := deadLetterColumns.collect(rows)
	if err != nil {
		return nil, fmt.Errorf("embedded: dead_letters: %w", err)
	}
	return out, nil
}
