package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

// Services implements storage.TraceReader: every service name of the
// stored spans, sorted (read from the span_services index).
func (b *Backend) Services(ctx context.Context) ([]string, error) {
	return b.queryStrings(ctx, "SELECT DISTINCT service FROM "+b.table("span_services")+" ORDER BY service")
}

// Operations implements storage.TraceReader: the distinct (name, kind) of
// service's spans, sorted by name then kind; a non-empty kind filters.
func (b *Backend) Operations(ctx context.Context, service string, kind storage.SpanKind) ([]storage.Operation, error) {
	q := "SELECT DISTINCT name, kind FROM " + b.table("spans") + " WHERE service = ?"
	args := []any{service}
	if kind != "" {
		q += " AND kind = ?"
		args = append(args, string(kind))
	}
	rows, err := b.conn.Query(ctx, q+" ORDER BY name, kind", args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: querying spans.name: %w", err)
	}
	defer rows.Close()
	out := []storage.Operation{}
	for rows.Next() {
		var op storage.Operation
		var k string
		if err := rows.Scan(&op.Name, &k); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning spans.name: %w", err)
		}
		op.Kind = storage.SpanKind(k)
		out = append(out, op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading spans.name: %w", err)
	}
	return out, nil
}

// FindTraces implements storage.TraceReader with the embedded backend's
// semantics: a trace matches when one of its spans matches every set
// filter (Service, Operation, Start <= start <= End, MinDuration <=
// duration <= MaxDuration at µs precision, each of Tags, see
// tagCondition); the newest Limit matching traces (by their newest
// matching span's start; sqlq.DefaultTraceLimit when Limit <= 0, at most
// sqlq.MaxTraceLimit) are returned whole, newest first, spans in start order.
// Every value is a bound parameter.
func (b *Backend) FindTraces(ctx context.Context, q storage.TraceQuery) ([]storage.Trace, error) {
	w := sqlq.Traces(q, chDialect)
	return b.tracesWhere(ctx, w.Conds, w.Args, sqlq.TraceLimit(q.Limit))
}

// tagColumns are the span tags stored as typed columns (see
// sqlq.TagColumns), as String expressions.
var tagColumns = sqlq.TagColumns(func(col string) string { return "toString(" + col + ")" })

// tagCondition matches tag key=value against the span's attributes (the
// first attribute with that key) and, for the keys in tagColumns, the
// typed column; "error" = "true" also matches status code 2 (error).
func tagCondition(key, value string) (string, []any) {
	cond := "(has(attr_keys, ?) AND attr_values[indexOf(attr_keys, ?)] = ?)"
	args := []any{key, key, value}
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
// order, or storage.ErrNotFound. It is a point read on the sorting key.
func (b *Backend) GetTrace(ctx context.Context, id storage.TraceID) (storage.Trace, error) {
	q := fmt.Sprintf("SELECT %s FROM %s FINAL WHERE trace_id_high = %d AND trace_id_low = %d ORDER BY start_us, span_id, shared",
		spanColumns.names(""), b.table("spans"), id.High, id.Low)
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
// none is an empty slice and a nil error. The span_request_ids index names
// the traces, so only their spans are read.
func (b *Backend) TracesByRequestID(ctx context.Context, requestID string) ([]storage.Trace, error) {
	h := requestHash(requestID)
	cond := fmt.Sprintf("(trace_id_high, trace_id_low) GLOBAL IN (SELECT trace_id_high, trace_id_low FROM %s WHERE request_hash = %d) AND request_hash = %d AND request_id = ?",
		b.table("span_request_ids"), h, h)
	return b.tracesWhere(ctx, []string{cond}, []any{requestID}, sqlq.MaxTraceLimit)
}

type traceHit struct {
	high, low uint64
}

// tracesWhere returns whole the newest limit traces that have a span
// matching all conds: one query picks the trace ids, a second reads their
// spans by the sorting key.
func (b *Backend) tracesWhere(ctx context.Context, conds []string, args []any, limit int) ([]storage.Trace, error) {
	where := ""
	if len(conds) > 0 {
		where = "\nWHERE " + strings.Join(conds, "\n  AND ")
	}
	q := "SELECT trace_id_high, trace_id_low, max(start_us) AS latest FROM " + b.table("spans") + where +
		fmt.Sprintf("\nGROUP BY trace_id_high, trace_id_low ORDER BY latest DESC, trace_id_high, trace_id_low LIMIT %d", limit)
	rows, err := b.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: searching spans: %w", err)
	}
	var hits []traceHit
	for rows.Next() {
		var h traceHit
		var latest int64
		if err := rows.Scan(&h.high, &h.low, &latest); err != nil {
			rows.Close()
			return nil, fmt.Errorf("clickhouse: scanning span search: %w", err)
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading span search: %w", err)
	}
	if len(hits) == 0 {
		return []storage.Trace{}, nil
	}
	var ids strings.Builder
	for i, h := range hits {
		if i > 0 {
			ids.WriteString(", ")
		}
		fmt.Fprintf(&ids, "(%d, %d)", h.high, h.low)
	}
	traces, err := b.scanTraces(ctx, fmt.Sprintf("SELECT %s FROM %s FINAL WHERE (trace_id_high, trace_id_low) IN (%s) ORDER BY trace_id_high, trace_id_low, start_us, span_id, shared",
		spanColumns.names(""), b.table("spans"), ids.String()))
	if err != nil {
		return nil, err
	}
	byID := make(map[storage.TraceID]storage.Trace, len(traces))
	for _, t := range traces {
		byID[t.ID] = t
	}
	out := make([]storage.Trace, 0, len(hits))
	for _, h := range hits {
		if t, ok := byID[storage.TraceID{High: h.high, Low: h.low}]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// scanTraces runs q, which selects spanColumns grouped by trace id, and
// gathers consecutive spans of one trace id into a Trace.
func (b *Backend) scanTraces(ctx context.Context, q string, args ...any) ([]storage.Trace, error) {
	rows, err := b.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: querying spans: %w", err)
	}
	defer rows.Close()
	out := []storage.Trace{}
	dests := make([]any, 0, len(spanColumns))
	for rows.Next() {
		var s storage.Span
		if err := rows.Scan(spanColumns.dests(&s, dests)...); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning spans: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != s.TraceID {
			out = append(out, storage.Trace{ID: s.TraceID})
		}
		out[len(out)-1].Spans = append(out[len(out)-1].Spans, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading spans: %w", err)
	}
	return out, nil
}

// queryStrings runs q, which selects one String column, into a non-nil
// slice.
func (b *Backend) queryStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := b.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", q, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("clickhouse: %s: %w", q, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", q, err)
	}
	return out, nil
}
