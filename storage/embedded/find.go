package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

// FindAccessLogs implements storage.AccessLogReader, newest first (ties in
// start time broken by request id, then reporter).
//
// Filters, all ANDed: Start <= start < End (each bound only when set);
// ResponseCode exactly; CodeClass c selects codes c00–c99; ResponseFlag is
// one flag that the record's comma-separated flags contain; PathPrefix
// prefixes the path; RequestID equals the request id (a point read: an
// index lookup of its request_hash, then a string check of the few hits).
//
// Service and Direction: Direction "inbound" (or "destination") selects
// records reported by the destination's proxy, and Service then names the
// destination service; "outbound" (or "source") selects records reported
// by the source's proxy, and Service names the source service. Without a
// Direction, Service matches the source or the destination service. Any
// other Direction is an error.
//
// At most Limit rows are returned: sqlq.DefaultFindLimit when Limit <= 0, and
// never more than sqlq.MaxFindLimit.
func (b *Backend) FindAccessLogs(ctx context.Context, q storage.AccessLogQuery) ([]storage.AccessLog, error) {
	where, args, err := accessLogWhere(q)
	if err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", accessLogsView, err)
	}
	limit := sqlq.FindLimit(q.Limit)
	with, from := "", accessLogsView
	if q.RequestID != "" {
		with, from = accessLogParts.pointRead(requestHashColumn, requestHash(q.RequestID)), "hits"
	}
	query := with + "SELECT " + accessLogColumns.names() + " FROM " + from + where +
		fmt.Sprintf("\nORDER BY start DESC, request_id, reporter LIMIT %d", limit)
	rows, err := b.duck.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: querying %s: %w", accessLogsView, err)
	}
	defer rows.Close()
	out, err := accessLogColumns.collect(rows)
	if err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", accessLogsView, err)
	}
	return out, nil
}

// duckDialect is how DuckDB spells what sqlq leaves to each backend.
var duckDialect = sqlq.Dialect{
	Start:      func(op string, t time.Time) (string, any) { return "start " + op + " ?", t },
	HasFlag:    "list_contains(string_split(response_flags, ','), ?)",
	PathPrefix: "starts_with(path, ?)",
	Tag:        tagCondition,
}

// accessLogWhere renders q's filters as a WHERE clause with ? parameters;
// RequestID is checked on the rows of the request_hash point read.
func accessLogWhere(q storage.AccessLogQuery) (string, []any, error) {
	w, err := sqlq.AccessLogs(q, duckDialect)
	if err != nil {
		return "", nil, err
	}
	if q.RequestID != "" {
		w.Add("request_id = ?", q.RequestID)
	}
	return w.SQL(), w.Args, nil
}
