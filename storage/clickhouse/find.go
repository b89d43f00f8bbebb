package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// Limits of FindAccessLogs.
const (
	DefaultFindLimit = 100    // rows returned when AccessLogQuery.Limit <= 0
	MaxFindLimit     = 10_000 // larger limits are lowered to this
)

// FindAccessLogs implements storage.AccessLogReader with the embedded
// backend's semantics: newest first (ties broken by request id, then
// reporter), filters ANDed, Start <= start < End; Direction "inbound" or
// "destination" selects the destination proxy's records and Service then
// names the destination service, "outbound" or "source" the source's;
// without a Direction, Service matches either side. ResponseFlag is one of
// the record's comma-separated flags; PathPrefix is literal. RequestID is a
// point read through the access_log_request_ids index. Every value is a
// bound parameter. At most Limit rows (DefaultFindLimit when <= 0, never
// more than MaxFindLimit).
func (b *Backend) FindAccessLogs(ctx context.Context, q storage.AccessLogQuery) ([]storage.AccessLog, error) {
	where, args, err := b.accessLogWhere(q)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: access_logs: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultFindLimit
	}
	limit = min(limit, MaxFindLimit)
	query := "SELECT " + accessLogColumns.names("") + " FROM " + b.table("access_logs") + " FINAL" + where +
		fmt.Sprintf("\nORDER BY start_us DESC, request_id, reporter LIMIT %d", limit)
	rows, err := b.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: querying access_logs: %w", err)
	}
	defer rows.Close()
	var out []storage.AccessLog
	dests := make([]any, 0, len(accessLogColumns))
	for rows.Next() {
		var r storage.AccessLog
		if err := rows.Scan(accessLogColumns.dests(&r, dests)...); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning access_logs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading access_logs: %w", err)
	}
	return out, nil
}

// accessLogWhere renders q's filters as a WHERE clause with ? parameters.
func (b *Backend) accessLogWhere(q storage.AccessLogQuery) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if !q.Start.IsZero() {
		add("start_us >= ?", q.Start.UnixMicro())
	}
	if !q.End.IsZero() {
		add("start_us < ?", q.End.UnixMicro())
	}
	switch strings.ToLower(q.Direction) {
	case "":
		if q.Service != "" {
			add("(source_service = ? OR destination_service = ?)", q.Service, q.Service)
		}
	case "inbound", "destination":
		add("reporter = 'destination'")
		if q.Service != "" {
			add("destination_service = ?", q.Service)
		}
	case "outbound", "source":
		add("reporter = 'source'")
		if q.Service != "" {
			add("source_service = ?", q.Service)
		}
	default:
		return "", nil, fmt.Errorf("direction %q: want inbound, outbound, destination or source", q.Direction)
	}
	if q.ResponseCode != 0 {
		add("response_code = ?", q.ResponseCode)
	}
	if q.CodeClass != 0 {
		add("response_code BETWEEN ? AND ?", int32(q.CodeClass*100), int32(q.CodeClass*100+99))
	}
	if q.ResponseFlag != "" {
		add("has(splitByChar(',', response_flags), ?)", q.ResponseFlag)
	}
	if q.PathPrefix != "" {
		add("startsWith(path, ?)", q.PathPrefix)
	}
	if q.RequestID != "" {
		// The index names the days and start times of the id's records,
		// so only those partitions and granules are read.
		h := requestHash(q.RequestID)
		idx := b.table("access_log_request_ids")
		add(fmt.Sprintf("day GLOBAL IN (SELECT day FROM %s WHERE request_hash = %d) AND start_us GLOBAL IN (SELECT start_us FROM %s WHERE request_hash = %d) AND request_hash = %d AND request_id = ?",
			idx, h, idx, h, h), q.RequestID)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return "\nWHERE " + strings.Join(conds, "\n  AND "), args, nil
}
