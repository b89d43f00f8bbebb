package clickhouse

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// accessLogColumns is the access_logs schema, one typed column per
// storage.AccessLog field; the table then has day, request_hash,
// response_flag_bits, row_hash and row_seq.
var accessLogColumns = fieldColumns(storage.AccessLogFields)

// requestHash is the request_hash column: the last 8 bytes of the id's
// MD5, little-endian, as the embedded backend computes it. A lookup by
// request id reads the index tables by this key.
func requestHash(id string) uint64 {
	sum := md5.Sum([]byte(id))
	return binary.LittleEndian.Uint64(sum[8:])
}

// maxFutureSkew bounds how far ahead of the clock a record may start: a
// record further ahead is a clock or parse error.
const maxFutureSkew = 24 * time.Hour

// maxReportedRejects bounds how many rejected rows an error names.
const maxReportedRejects = 3

// WriteAccessLogs implements storage.AccessLogWriter: the records go to
// access_logs in one INSERT (one batch; the request-id index is filled by a
// materialized view), Start truncated to microseconds. A nil error means
// ClickHouse acknowledged the insert.
//
// An exact replay stores nothing new: each row's key ends in the hash of
// all its columns and its occurrence number among identical rows of the
// batch, and readers use FINAL. Identical records within one batch are all
// kept.
//
// Records that start before now−Retention or more than a day in the future
// are not stored; they are reported in a *storage.RejectedError after the
// rest of the batch is stored.
func (b *Backend) WriteAccessLogs(ctx context.Context, rows []storage.AccessLog) error {
	now := time.Now()
	oldest, newest := now.Add(-b.cfg.retention()), now.Add(maxFutureSkew)
	rej := &storage.RejectedError{Signal: "access_logs"}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("access_logs")+" ("+accessLogColumns.names("")+
		", day, request_hash, response_flag_bits, row_hash, row_seq)")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into access_logs: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	seq := seqCounter{}
	vals := make([]any, 0, len(accessLogColumns)+5)
	n := 0
	for i := range rows {
		r := &rows[i]
		if r.Start.Before(oldest) || r.Start.After(newest) {
			rej.Rejected++
			if len(rej.Examples) < maxReportedRejects {
				rej.Examples = append(rej.Examples, fmt.Sprintf("request %q at %s: outside [%s, %s]",
					r.RequestID, r.Start.UTC().Format(time.RFC3339Nano), oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)))
			}
			continue
		}
		vals = accessLogColumns.values(r, vals[:0])
		h := hashValues(vals)
		vals = append(vals, utcDay(r.Start), requestHash(r.RequestID), flagBits(r.ResponseFlags), h, seq.next(h))
		if err := batch.Append(vals...); err != nil {
			return fmt.Errorf("clickhouse: appending to access_logs: %w", err)
		}
		n++
	}
	if n > 0 {
		if err := batch.Send(); err != nil {
			return fmt.Errorf("clickhouse: inserting %d access logs: %w", n, err)
		}
	}
	if rej.Rejected > 0 {
		return rej
	}
	return nil
}
