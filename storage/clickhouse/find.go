package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

// FindAccessLogs implements storage.AccessLogReader with the embedded
// backend's semantics: newest first (ties broken by request id, then
// reporter), filters ANDed, Start <= start < End; Direction "inbound" or
// "destination" selects the destination proxy's records and Service then
// names the destination service, "outbound" or "source" the source's;
// without a Direction, Service matches either side. ResponseFlag is one of
// the record's comma-separated flags; PathPrefix is literal. RequestID is a
// point read through the access_log_request_ids index. Every value is a
// bound parameter. At most Limit rows (sqlq.DefaultFindLimit when <= 0, never
// more than sqlq.MaxFindLimit).
func (b *Backend) FindAccessLogs(ctx context.Context, q storage.AccessLogQuery) ([]storage.AccessLog, error) {
	where, args, err := b.accessLogWhere(q)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: access_logs: %w", err)
	}
	limit := sqlq.FindLimit(q.Limit)
	query := "SELECT " + accessLogColumns.names("") + " FROM " + b.table("access_logs") + " FINAL" + where +
		fmt.Sprintf("\nORDER BY start_us DESC, request_id, reporter LIMIT %d", limit)
	rows, err := b.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: querying access_logs: %w", err)
	}
	defer rows.Close()
	out, err := accessLogColumns.collect(rows)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: access_logs: %w", err)
	}
	return out, nil
}

// chDialect is how ClickHouse spells what sqlq leaves to each backend:
// start times are Int64 µs in start_us.
var chDialect = sqlq.Dialect{
	Start:      func(op string, t time.Time) (string, any) { return "start_us " + op + " ?", t.UnixMicro() },
	HasFlag:    "has(splitByChar(',', response_flags), ?)",
	PathPrefix: "startsWith(path, ?)",
	Tag:        tagCondition,
}

// accessLogWhere renders q's filters as a WHERE clause of bound
// parameters. A RequestID is read through the access_log_request_ids
// index: it names the days and start times of the id's records, so only
// those partitions and granules are read.
func (b *Backend) accessLogWhere(q storage.AccessLogQuery) (string, []any, error) {
	w, err := sqlq.AccessLogs(q, chDialect)
	if err != nil {
		return "", nil, err
	}
	if q.RequestID != "" {
		h := requestHash(q.RequestID)
		idx := b.table("access_log_request_ids")
		w.Add(fmt.Sprintf("day GLOBAL IN (SELECT day FROM %s WHERE request_hash = %d) AND start_us GLOBAL IN (SELECT start_us FROM %s WHERE request_hash = %d) AND request_hash = %d AND request_id = ?",
			idx, h, idx, h, h), q.RequestID)
	}
	return w.SQL(), w.Args, nil
}
