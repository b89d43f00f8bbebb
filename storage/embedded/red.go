package embedded

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

var _ storage.REDReader = (*Backend)(nil)

//go:embed sql/red.sql
var redSQL string

// redGrouping is one REDQuery.By: its columns, its preferred reporter, its
// namespace condition and where each column lands in the answer.
type redGrouping struct {
	columns   string
	preferred string
	namespace string
	dests     func(e *storage.Edge) []any
}

var redGroupings = map[string]redGrouping{
	// The server's view: what each service served, as its own proxy saw it.
	"service": {
		columns:   "destination_service, destination_namespace",
		preferred: "destination",
		namespace: "AND destination_namespace = $4",
		dests:     func(e *storage.Edge) []any { return []any{&e.DestinationService, &e.DestinationNamespace} },
	},
	// The caller's view: each edge as the calling proxy saw it, including
	// calls that never reached the destination (UH, UF, URX, ...).
	"edge": {
		columns:   "source_service, source_namespace, source_version, destination_service, destination_namespace, destination_version, protocol",
		preferred: "source",
		namespace: "AND (source_namespace = $4 OR destination_namespace = $4)",
		dests: func(e *storage.Edge) []any {
			return []any{&e.SourceService, &e.SourceNamespace, &e.SourceVersion,
				&e.DestinationService, &e.DestinationNamespace, &e.DestinationVersion, &e.Protocol}
		},
	},
}

// RED implements storage.REDReader over access logs (q.Source "" or
// "logs"; other sources are storage.ErrNotSupported). The aggregation is
// one SQL GROUP BY in DuckDB; no record is read into Go.
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
	if q.Source != "" && q.Source != "logs" {
		return nil, fmt.Errorf("embedded: RED from %q: %w", q.Source, storage.ErrNotSupported)
	}
	by := q.By
	if by == "" {
		by = "service"
	}
	g, ok := redGroupings[by]
	if !ok {
		return nil, fmt.Errorf("embedded: RED by %q: want service or edge", q.By)
	}
	if q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start) {
		return nil, errors.New("embedded: RED needs a window with Start before End")
	}
	query := strings.NewReplacer("{{GROUP}}", g.columns, "{{FAILED_FLAGS}}", failedFlagsSQL).Replace(redSQL)
	args := []any{q.Start, q.End, g.preferred}
	if q.Namespace != "" {
		query = strings.ReplaceAll(query, "{{NAMESPACE}}", g.namespace)
		args = append(args, q.Namespace)
	} else {
		query = strings.ReplaceAll(query, "{{NAMESPACE}}", "")
	}
	rows, err := b.duck.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: RED by %s over %s: %w", by, accessLogsView, err)
	}
	defer rows.Close()
	window := q.End.Sub(q.Start).Seconds()
	var out []storage.REDRow
	for rows.Next() {
		var row storage.REDRow
		var quantiles any
		r := &row.RED
		dests := append(g.dests(&row.Edge), &r.Requests, &r.Errors, &r.ClientErrors, &quantiles, &r.BytesIn, &r.BytesOut)
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("embedded: scanning RED by %s: %w", by, err)
		}
		if err := setQuantiles(r, quantiles); err != nil {
			return nil, fmt.Errorf("embedded: RED by %s: column quantiles_us: %w", by, err)
		}
		r.Rate = float64(r.Requests) / window
		r.ErrorRatio = float64(r.Errors) / float64(r.Requests)
		row.Sources = []string{"logs"}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading RED by %s: %w", by, err)
	}
	return out, nil
}

// setQuantiles converts quantile_disc's list of µs (NULL when no duration
// is known) to milliseconds.
func setQuantiles(r *storage.RED, v any) error {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok || len(list) != 3 {
		return fmt.Errorf("got %T %v, want a list of 3", v, v)
	}
	var ms [3]float64
	for i, x := range list {
		us, ok := x.(int64)
		if !ok {
			return fmt.Errorf("element %d is %T, want int64", i, x)
		}
		ms[i] = float64(us) / 1000
	}
	r.P50, r.P90, r.P99 = ms[0], ms[1], ms[2]
	return nil
}
