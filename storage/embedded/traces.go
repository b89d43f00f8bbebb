package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/spancols"
	"github.com/meshlens/meshlens/storage/sqlq"
)

var _ storage.TraceReader = (*Backend)(nil)

// Services implements storage.TraceReader: every service name of the
// stored spans, sorted.
func (b *Backend) Services(ctx context.Context) ([]string, error) {
	return queryStrings(ctx, b.duck.db, "SELECT DISTINCT service FROM "+spansView+" ORDER BY service")
}

// Operations implements storage.TraceReader: the distinct (name, kind) of
// service's spans, sorted by name then kind; a non-empty kind filters.
func (b *Backend) Operations(ctx context.Context, service string, kind storage.SpanKind) ([]storage.Operation, error) {
	q := "SELECT DISTINCT name, kind FROM " + spansView + " WHERE service = ?"
	args := []any{service}
	if kind != "" {
		q += " AND kind = ?"
		args = append(args, string(kind))
	}
	rows, err := b.duck.db.QueryContext(ctx, q+" ORDER BY name, kind", args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: querying %s.name: %w", spansView, err)
	}
	defer rows.Close()
	out := []storage.Operation{}
	for rows.Next() {
		var op storage.Operation
		var k string
		if err := rows.Scan(&op.Name, &k); err != nil {
			return nil, fmt.Errorf("embedded: scanning %s.name: %w", spansView, err)
		}
		op.Kind = storage.SpanKind(k)
		out = append(out, op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading %s.name: %w", spansView, err)
	}
	return out, nil
}

// FindTraces implements storage.TraceReader. A trace matches when one of
// its spans matches every set filter: Service, Operation (the span name),
// Start <= start <= End, MinDuration <= duration <= MaxDuration (µs
// precision) and each of Tags (see tagCondition). The newest Limit
// matching traces (by their newest span's start; sqlq.DefaultTraceLimit when
// Limit <= 0, at most sqlq.MaxTraceLimit) are returned whole, newest first, each
// trace's spans in start order.
func (b *Backend) FindTraces(ctx context.Context, q storage.TraceQuery) ([]storage.Trace, error) {
	w := sqlq.Traces(q, duckDialect)
	return b.tracesWhere(ctx, w.Conds, w.Args, sqlq.TraceLimit(q.Limit))
}

// tagColumns are the span tags stored as typed columns (see
// sqlq.TagColumns), as VARCHAR expressions.
var tagColumns = sqlq.TagColumns(func(col string) string { return "CAST(" + col + " AS VARCHAR)" })

// tagCondition matches tag key=value against the span's attributes (an
// attribute with that key and value: a substring of the attribute text)
// and, for the keys in tagColumns, the typed column; "error" = "true" also
// matches status code 2 (error).
func tagCondition(key, value string) (string, []any) {
	cond := "contains(" + attrsColumn + ", ?)"
	args := []any{spancols.AttrPair(key, value)}
	if col, ok := tagColumns[key]; ok {
		cond += " OR " + col + " = ?"
		args = append(args, value)
	}
	if key == "error" && value == "true" {
		cond += " OR status_code = 2"
	}
	return "(" + cond + ")", args
}

// GetTrace implements storage.TraceReader: every span of id, in start
// order, or storage.ErrNotFound.
func (b *Backend) GetTrace(ctx context.Context, id storage.TraceID) (storage.Trace, error) {
	q := spanParts.pointRead("trace_id_low", id.Low) +
		fmt.Sprintf("SELECT %s FROM hits WHERE trace_id_high = %d::UBIGINT ORDER BY start, span_id, shared", spanColumns.names(), id.High)
	traces, err := b.scanTraces(ctx, q)
	if err != nil {
		return storage.Trace{}, err
	}
	if len(traces) == 0 {
		return storage.Trace{}, fmt.Errorf("trace %016x%016x: %w", id.High, id.Low, storage.ErrNotFound)
	}
	return traces[0], nil
}

// TracesByRequestID implements storage.TraceReader: the traces that have a
// span with that request id, whole, newest first (at most sqlq.MaxTraceLimit);
// none is an empty slice and a nil error. Both steps are index lookups:
// the request id's trace ids, then each trace.
func (b *Backend) TracesByRequestID(ctx context.Context, requestID string) ([]storage.Trace, error) {
	q := spanParts.pointRead(requestHashColumn, requestHash(requestID)) +
		"SELECT trace_id_high, trace_id_low FROM hits WHERE request_id = ?" +
		fmt.Sprintf(" GROUP BY trace_id_high, trace_id_low ORDER BY max(start) DESC, trace_id_high, trace_id_low LIMIT %d", sqlq.MaxTraceLimit)
	rows, err := b.duck.db.QueryContext(ctx, q, requestID)
	if err != nil {
		return nil, fmt.Errorf("embedded: request id %q in %s: %w", requestID, spansView, err)
	}
	var ids []storage.TraceID
	for rows.Next() {
		var id storage.TraceID
		if err := rows.Scan(&id.High, &id.Low); err != nil {
			rows.Close()
			return nil, fmt.Errorf("embedded: request id %q in %s: %w", requestID, spansView, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: request id %q in %s: %w", requestID, spansView, err)
	}
	out := make([]storage.Trace, 0, len(ids))
	for _, id := range ids {
		tr, err := b.GetTrace(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // dropped by retention meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, nil
}

// tracesWhere returns whole the newest limit traces that have a span
// matching all conds.
func (b *Backend) tracesWhere(ctx context.Context, conds []string, args []any, limit int) ([]storage.Trace, error) {
	where := ""
	if len(conds) > 0 {
		where = "\n  WHERE " + strings.Join(conds, "\n    AND ")
	}
	var sel strings.Builder
	for i, c := range spanColumns {
		if i > 0 {
			sel.WriteString(", ")
		}
		sel.WriteString("s." + c.name)
	}
	q := "WITH hits AS (\n  SELECT trace_id_high, trace_id_low, max(start) AS latest FROM " + spansView + where +
		fmt.Sprintf("\n  GROUP BY trace_id_high, trace_id_low ORDER BY latest DESC, trace_id_high, trace_id_low LIMIT %d)", limit) +
		"\nSELECT " + sel.String() + " FROM " + spansView + " s JOIN hits USING (trace_id_high, trace_id_low)" +
		"\nORDER BY hits.latest DESC, s.trace_id_high, s.trace_id_low, s.start, s.span_id, s.shared"
	return b.scanTraces(ctx, q, args...)
}

// scanTraces runs q, which selects spanColumns grouped by trace id, and
// gathers consecutive spans of one trace id into a Trace.
func (b *Backend) scanTraces(ctx context.Context, q string, args ...any) ([]storage.Trace, error) {
	rows, err := b.duck.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: querying %s: %w", spansView, err)
	}
	defer rows.Close()
	out := []storage.Trace{}
	dests := make([]any, 0, len(spanColumns))
	for rows.Next() {
		var s storage.Span
		if err := rows.Scan(spanColumns.dests(&s, dests)...); err != nil {
			return nil, fmt.Errorf("embedded: scanning %s: %w", spansView, err)
		}
		if n := len(out); n == 0 || out[n-1].ID != s.TraceID {
			out = append(out, storage.Trace{ID: s.TraceID})
		}
		out[len(out)-1].Spans = append(out[len(out)-1].Spans, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading %s: %w", spansView, err)
	}
	return out, nil
}

// queryStrings runs q, which selects one VARCHAR column, into a non-nil
// slice.
func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", q, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("embedded: %s: %w", q, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", q, err)
	}
	return out, nil
}
