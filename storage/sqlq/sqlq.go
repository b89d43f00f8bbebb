// Package sqlq renders the search filters of storage's query types as SQL
// conditions with ? parameters, for the SQL backends. What differs between
// their dialects (how start times are stored, list functions, tag lookups)
// comes in a Dialect; the filters' meaning is written once, here.
package sqlq

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Dialect is what one backend's SQL spells its own way.
type Dialect struct {
	// Start renders a comparison of the record's start with t: op is
	// ">=", "<" or "<=".
	Start func(op string, t time.Time) (cond string, arg any)
	// HasFlag is a condition, with one ?, that the record's
	// comma-separated response_flags contain that flag.
	HasFlag string
	// PathPrefix is a condition, with one ?, that path starts with it.
	PathPrefix string
	// Tag renders a span's tag key = value condition.
	Tag func(key, value string) (cond string, args []any)
}

// Where is conditions ANDed, with their parameters in order.
type Where struct {
	Conds []string
	Args  []any
}

// Add appends one condition and its parameters.
func (w *Where) Add(cond string, args ...any) {
	w.Conds = append(w.Conds, cond)
	w.Args = append(w.Args, args...)
}

// SQL is "\nWHERE c1\n  AND c2 ...", or "" without conditions.
func (w *Where) SQL() string {
	if len(w.Conds) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(w.Conds, "\n  AND ")
}

// AccessLogs renders q's filters except RequestID (each backend reads it
// through its own index), with storage.AccessLogReader's meaning:
// Start <= start < End; Direction "inbound"/"destination" selects the
// destination proxy's records and Service then names the destination
// service, "outbound"/"source" the source's, and without a Direction
// Service matches either side; any other Direction is an error.
func AccessLogs(q storage.AccessLogQuery, d Dialect) (*Where, error) {
	w := &Where{}
	if !q.Start.IsZero() {
		w.Add(d.Start(">=", q.Start))
	}
	if !q.End.IsZero() {
		w.Add(d.Start("<", q.End))
	}
	switch strings.ToLower(q.Direction) {
	case "":
		if q.Service != "" {
			w.Add("(source_service = ? OR destination_service = ?)", q.Service, q.Service)
		}
	case "inbound", "destination":
		w.Add("reporter = 'destination'")
		if q.Service != "" {
			w.Add("destination_service = ?", q.Service)
		}
	case "outbound", "source":
		w.Add("reporter = 'source'")
		if q.Service != "" {
			w.Add("source_service = ?", q.Service)
		}
	default:
		return nil, fmt.Errorf("direction %q: want inbound, outbound, destination or source", q.Direction)
	}
	if q.ResponseCode != 0 {
		w.Add("response_code = ?", q.ResponseCode)
	}
	if q.CodeClass != 0 {
		w.Add("response_code BETWEEN ? AND ?", int32(q.CodeClass*100), int32(q.CodeClass*100+99))
	}
	if q.ResponseFlag != "" {
		w.Add(d.HasFlag, q.ResponseFlag)
	}
	if q.PathPrefix != "" {
		w.Add(d.PathPrefix, q.PathPrefix)
	}
	return w, nil
}

// Traces renders q's span filters, with storage.TraceReader's meaning:
// Service, Operation (the span name), Start <= start <= End, MinDuration
// <= duration <= MaxDuration at µs precision, and each of Tags in key
// order.
func Traces(q storage.TraceQuery, d Dialect) *Where {
	w := &Where{}
	if q.Service != "" {
		w.Add("service = ?", q.Service)
	}
	if q.Operation != "" {
		w.Add("name = ?", q.Operation)
	}
	if !q.Start.IsZero() {
		w.Add(d.Start(">=", q.Start))
	}
	if !q.End.IsZero() {
		w.Add(d.Start("<=", q.End))
	}
	if q.MinDuration > 0 {
		w.Add("duration_us >= ?", q.MinDuration.Microseconds())
	}
	if q.MaxDuration > 0 {
		w.Add("duration_us <= ?", q.MaxDuration.Microseconds())
	}
	for _, k := range slices.Sorted(maps.Keys(q.Tags)) {
		cond, args := d.Tag(k, q.Tags[k])
		w.Add(cond, args...)
	}
	return w
}

// Limits of trace search and request-id lookup, in traces.
const (
	DefaultTraceLimit = 20    // traces returned when TraceQuery.Limit <= 0
	MaxTraceLimit     = 1_000 // larger limits are lowered to this
)

// TraceLimit is the number of traces a search with limit returns at
// most: DefaultTraceLimit when limit <= 0, at most MaxTraceLimit.
func TraceLimit(limit int) int {
	if limit <= 0 {
		return DefaultTraceLimit
	}
	return min(limit, MaxTraceLimit)
}

// TagColumns maps the span tags stored as typed columns, by tag key
// (Zipkin and OpenTelemetry spellings), to SQL string expressions;
// asString renders a numeric column as a string in the backend's dialect.
func TagColumns(asString func(col string) string) map[string]string {
	status := asString("http_status")
	return map[string]string{
		"http.method":               "http_method",
		"http.request.method":       "http_method",
		"http.route":                "http_route",
		"http.status_code":          status,
		"http.response.status_code": status,
		"peer.service":              "peer_service",
		"guid:x-request-id":         "request_id",
		"request_id":                "request_id",
		"response_flags":            "response_flags",
		"upstream_cluster":          "upstream_cluster",
		"span.kind":                 "kind",
	}
}

// Limits of access-log search and dead-letter reads, in rows.
const (
	DefaultFindLimit = 100    // rows returned when the query's limit <= 0
	MaxFindLimit     = 10_000 // larger limits are lowered to this
)

// FindLimit is the number of rows a search with limit returns at most:
// DefaultFindLimit when limit <= 0, at most MaxFindLimit.
func FindLimit(limit int) int {
	if limit <= 0 {
		return DefaultFindLimit
	}
	return min(limit, MaxFindLimit)
}

// Rows is a query result as database/sql and clickhouse-go both give it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect scans every row of rows into a new T, through the destinations
// dests gives for it, and returns them in order. It does not close rows.
func Collect[T any](rows Rows, dests func(r *T) []any) ([]T, error) {
	var out []T
	for rows.Next() {
		var r T
		if err := rows.Scan(dests(&r)...); err != nil {
			return nil, fmt.Errorf("scanning: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	return out, nil
}
