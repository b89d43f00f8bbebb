package clickhouse

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

//go:embed sql/red.sql
var redSQL string

// RED implements storage.REDReader over access logs (q.Source "" or
// "logs"; other sources are storage.ErrNotSupported), with the embedded
// backend's semantics (see sql/red.sql and storage.REDReader): one SQL
// GROUP BY in ClickHouse, exact nearest-rank quantiles (RelativeError 0),
// one reporter per destination, Start <= start < End. Rows are sorted by
// their group columns.
func (b *Backend) RED(ctx context.Context, q storage.REDQuery) ([]storage.REDRow, error) {
	g, err := sqlq.REDGroupingOf(q)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	by := g.By
	ns := ""
	var nsArgs []any
	if q.Namespace != "" {
		ns = g.NamespaceCond("?")
		for range strings.Count(ns, "?") {
			nsArgs = append(nsArgs, q.Namespace)
		}
	}
	query := strings.NewReplacer("{{TABLE}}", b.table("access_logs"), "{{GROUP}}", g.Columns,
		"{{FAILED}}", failedFlagsSQL, "{{NAMESPACE}}", ns).Replace(redSQL)
	var args []any
	for range 2 {
		args = append(args, q.Start.UnixMicro(), q.End.UnixMicro())
		args = append(args, nsArgs...)
		args = append(args, g.Preferred)
	}
	rows, err := b.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: RED by %s over access_logs: %w", by, err)
	}
	defer rows.Close()
	var out []storage.REDRow
	for rows.Next() {
		var row storage.REDRow
		var requests, errs, clientErrs uint64
		var p50, p90, p99 int64
		r := &row.RED
		dests := append(g.Dests(&row.Edge), &requests, &errs, &clientErrs, &p50, &p90, &p99, &r.BytesIn, &r.BytesOut)
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning RED by %s: %w", by, err)
		}
		r.Requests, r.Errors, r.ClientErrors = int64(requests), int64(errs), int64(clientErrs)
		r.P50, r.P90, r.P99 = float64(p50)/1000, float64(p90)/1000, float64(p99)/1000
		sqlq.FinishRED(&row, q)
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading RED by %s: %w", by, err)
	}
	return out, nil
}
