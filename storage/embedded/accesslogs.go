package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/meshlens/meshlens/storage"
)

var (
	_ storage.AccessLogWriter = (*Backend)(nil)
	_ storage.AccessLogReader = (*Backend)(nil)
)

// maxFutureSkew bounds how far ahead of the clock a record may start: a
// record further ahead is a clock or parse error, and storing it would
// create a day table that retention keeps for years.
const maxFutureSkew = 24 * time.Hour

// WriteAccessLogs implements storage.AccessLogWriter.
//
// Each record goes to the day table of its Start's UTC day, with Start
// truncated to microseconds. The rows are stored in one DuckDB transaction,
// all accepted rows or none (a record of a day that has no table yet first
// creates it, with the view, in a transaction of its own: an empty day
// table is harmless); concurrent callers are serialized.
// A nil error means the rows are durable: DuckDB has fsynced its WAL (see
// duckStore.tx), so they survive a crash of meshlens or of the machine.
//
// An exact replay of stored rows stores nothing new (see appendTable.write),
// so callers may retry a failed batch whole.
//
// Records that start before now−Retention (retention would drop them) or
// more than a day in the future are not stored; they are reported in a
// *storage.RejectedError after the rest of the batch is stored.
func (b *Backend) WriteAccessLogs(ctx context.Context, rows []storage.AccessLog) error {
	s := b.duck
	now := s.now()
	oldest, newest := now.Add(-s.retention), now.Add(maxFutureSkew)
	rej := &storage.RejectedError{Signal: "access_logs"}
	keep := rows
	if slices.ContainsFunc(rows, func(r storage.AccessLog) bool { return r.Start.Before(oldest) || r.Start.After(newest) }) {
		keep = make([]storage.AccessLog, 0, len(rows))
		for _, r := range rows {
			if r.Start.Before(oldest) || r.Start.After(newest) {
				rej.Rejected++
				if len(rej.Examples) < maxReportedRejects {
					rej.Examples = append(rej.Examples, fmt.Sprintf("request %q at %s: outside [%s, %s]",
						r.RequestID, r.Start.UTC().Format(time.RFC3339Nano), oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)))
				}
				continue
			}
			keep = append(keep, r)
		}
	}
	if len(keep) > 0 {
		if err := b.writeAccessLogDays(ctx, keep); err != nil {
			return err
		}
	}
	if rej.Rejected > 0 {
		return rej
	}
	return nil
}

func (b *Backend) writeAccessLogDays(ctx context.Context, rows []storage.AccessLog) error {
	return writeDays(ctx, b.duck, accessLogParts, &accessLogTable, rows)
}
