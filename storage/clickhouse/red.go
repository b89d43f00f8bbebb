package clickhouse

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

//go:embed sql/red.sql
var redSQL string

// redGrouping is one REDQuery.By: its columns, its preferred reporter, its
// namespace condition (with how many ? it has) and where each column lands.
type redGrouping struct {
	columns   string
	preferred string
	namespace string
	nsParams  int
	dests     func(e *storage.Edge) []any
}

var redGroupings = map[string]redGrouping{
	"service": {
		columns:   "destination_service, destination_namespace",
		preferred: "destination",
		namespace: "AND destination_namespace = ?",
		nsParams:  1,
		dests:     func(e *storage.Edge) []any { return []any{&e.DestinationService, &e.DestinationNamespace} },
	},
	"edge": {
		columns:   "source_service, source_namespace, source_version, destination_service, destination_namespace, destination_version, protocol",
		preferred: "source",
		namespace: "AND (source_namespace = ? OR destination_namespace = ?)",
		nsParams:  2,
		dests: func(e *storage.Edge) []any {
			return []any{&e.SourceService, &e.SourceNamespace, &e.SourceVersion,
				&e.DestinationService, &e.DestinationNamespace, &e.DestinationVersion, &e.Protocol}
		},
	},
}

// RED implements storage.REDReader over access logs (q.Source "" or
// "logs"; other sources are storage.ErrNotSupported), with the embedded
// backend's semantics (see sql/red.sql and storage.REDReader): one SQL
// GROUP BY in ClickHouse, exact nearest-rank quantiles (RelativeError 0),
// one reporter per destination, Start <= start < End. Rows are sorted by
// their group columns.
func (b *Backend) RED(ctx context.Context, q storage.REDQuery) ([]storage.REDRow, error) {
	if q.Source != "" && q.Source != "logs" {
		return nil, fmt.Errorf("clickhouse: RED from %q: %w", q.Source, storage.ErrNotSupported)
	}
	by := q.By
	if by == "" {
		by = "service"
	}
	g, ok := redGroupings[by]
	if !ok {
		return nil, fmt.Errorf("clickhouse: RED by %q: want service or edge", q.By)
	}
	if q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start) {
		return nil, errors.New("clickhouse: RED needs a window with Start before End")
	}
	ns := ""
	var nsArgs []any
	if q.Namespace != "" {
		ns = g.namespace
		for range g.nsParams {
			nsArgs = append(nsArgs, q.Namespace)
		}
	}
	query := strings.NewReplacer("{{TABLE}}", b.table("access_logs"), "{{GROUP}}", g.columns,
		"{{FAILED}}", failedFlagsSQL, "{{NAMESPACE}}", ns).Replace(redSQL)
	var args []any
	for range 2 {
		args = append(args, q.Start.UnixMicro(), q.End.UnixMicro())
		args = append(args, nsArgs...)
		args = append(args, g.preferred)
	}
	rows, err := b.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: RED by %s over access_logs: %w", by, err)
	}
	defer rows.Close()
	window := q.End.Sub(q.Start).Seconds()
	var out []storage.REDRow
	for rows.Next() {
		var row storage.REDRow
		var requests, errs, clientErrs uint64
		var p50, p90, p99 int64
		r := &row.RED
		dests := append(g.dests(&row.Edge), &requests, &errs, &clientErrs, &p50, &p90, &p99, &r.BytesIn, &r.BytesOut)
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning RED by %s: %w", by, err)
		}
		r.Requests, r.Errors, r.ClientErrors = int64(requests), int64(errs), int64(clientErrs)
		r.P50, r.P90, r.P99 = float64(p50)/1000, float64(p90)/1000, float64(p99)/1000
		r.Rate = float64(r.Requests) / window
		r.ErrorRatio = float64(r.Errors) / float64(r.Requests)
		row.Sources = []string{"logs"}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading RED by %s: %w", by, err)
	}
	return out, nil
}
