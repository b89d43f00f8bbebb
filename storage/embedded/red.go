package embedded

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

var _ storage.REDReader = (*Backend)(nil)

//go:embed sql/red.sql
var redSQL string

//go:embed sql/red_stand_ins.sql
var redStandInsSQL string

// RED implements storage.REDReader over access logs (q.Source "" or
// "logs"; other sources are storage.ErrNotSupported). The aggregation is
// SQL in DuckDB (two statements: which destinations lack the preferred
// reporter, then one GROUP BY); no record is read into Go.
//
// The window is Start <= start < End; both are required. By is "service"
// (the default: one row per destination service and namespace, from the
// destination's reports) or "edge" (one row per source service, namespace,
// version → destination service, namespace, version and protocol, from the
// source's reports). A request logged by both proxies is counted once: per
// destination, records of the preferred reporter count, and the other
// reporter's records count only for destinations without any (callees
// without a sidecar for "service", callers outside the mesh for "edge").
// Namespace, when set, keeps records whose destination namespace (for
// "edge": source or destination namespace) equals it, before that choice.
//
// Errors are storage.IsFailure records, ClientErrors storage.IsClientError
// ones (flags are tested through response_flag_bits, see flagBits). Rate is Requests per second of the window. P50/P90/P99 are exact
// (RelativeError 0): nearest rank, the duration at 1-based rank ceil(q·n)
// of the n records with a known (non-negative) duration, in milliseconds;
// 0 when none is known. Rows are sorted by their group columns.
func (b *Backend) RED(ctx context.Context, q storage.REDQuery) ([]storage.REDRow, error) {
	g, err := sqlq.REDGroupingOf(q)
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	by := g.By
	args := []any{q.Start, q.End, g.Preferred}
	nsCond := ""
	if q.Namespace != "" {
		nsCond = g.NamespaceCond("$4")
		args = append(args, q.Namespace)
	}
	fill := strings.NewReplacer("{{GROUP}}", g.Columns, "{{FAILED_FLAGS}}", failedFlagsSQL, "{{NAMESPACE}}", nsCond)
	standIns, args, err := b.redStandIns(ctx, fill.Replace(redStandInsSQL), args)
	if err != nil {
		return nil, fmt.Errorf("embedded: RED by %s: %w", by, err)
	}
	query := strings.ReplaceAll(fill.Replace(redSQL), "{{STAND_INS}}", standIns)
	rows, err := b.duck.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: RED by %s over %s: %w", by, accessLogsView, err)
	}
	defer rows.Close()
	var out []storage.REDRow
	for rows.Next() {
		var row storage.REDRow
		var us [3]int64
		r := &row.RED
		dests := append(g.Dests(&row.Edge), &r.Requests, &r.Errors, &r.ClientErrors, &us[0], &us[1], &us[2], &r.BytesIn, &r.BytesOut)
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("embedded: scanning RED by %s: %w", by, err)
		}
		r.P50, r.P90, r.P99 = float64(us[0])/1000, float64(us[1])/1000, float64(us[2])/1000
		sqlq.FinishRED(&row, q)
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading RED by %s: %w", by, err)
	}
	return out, nil
}

// redStandIns runs query (red_stand_ins.sql, filled) and returns
// red.sql's {{STAND_INS}} condition, with args extended by its parameters:
// nothing when every destination has records of the preferred reporter,
// else "OR" the destination lacks them, spelled with the shorter of the
// two lists (the lacking ones, or NOT the others).
func (b *Backend) redStandIns(ctx context.Context, query string, args []any) (string, []any, error) {
	rows, err := b.duck.db.QueryContext(ctx, query, args...)
	if err != nil {
		return "", nil, fmt.Errorf("finding destinations without the preferred reporter: %w", err)
	}
	defer rows.Close()
	var lacking, having [][2]string
	for rows.Next() {
		var d [2]string
		var has bool
		if err := rows.Scan(&d[0], &d[1], &has); err != nil {
			return "", nil, fmt.Errorf("scanning destinations without the preferred reporter: %w", err)
		}
		if has {
			having = append(having, d)
		} else {
			lacking = append(lacking, d)
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("reading destinations without the preferred reporter: %w", err)
	}
	switch {
	case len(lacking) == 0:
		return "", args, nil
	case len(having) == 0:
		return "OR true", args, nil
	case len(lacking) <= len(having):
		cond, args := destinationsCond(lacking, args)
		return "OR " + cond, args, nil
	default:
		cond, args := destinationsCond(having, args)
		return "OR NOT " + cond, args, nil
	}
}

// destinationsCond is a condition true for records of dests, with its
// parameters appended to args. Equalities, not a row IN list: DuckDB
// builds a struct per record for (a, b) IN (...), about four times slower.
func destinationsCond(dests [][2]string, args []any) (string, []any) {
	var cond strings.Builder
	cond.WriteString("(")
	for i, d := range dests {
		if i > 0 {
			cond.WriteString(" OR ")
		}
		fmt.Fprintf(&cond, "(destination_service = $%d AND destination_namespace = $%d)", len(args)+1, len(args)+2)
		args = append(args, d[0], d[1])
	}
	return cond.String() + ")", args
}
