package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

var _ storage.DependencyReader = (*Backend)(nil)

// dependenciesSQL pairs spans into calls, in SQL; its parameters are the
// window's bounds and the slack-widened bounds. A server span's caller is
// the client span whose span id is the server's parent id or, for an Envoy
// shared server span, the server's own span id. Calls are: server spans of
// the window paired with their caller, across services; server spans of
// the window with no client span as caller ("unknown" parent); client
// spans of the window with a peer service and no server span (a call to
// that uninstrumented peer). A call is an error when either side has
// status code 2.
const dependenciesSQL = `WITH w AS (
  SELECT trace_id_high AS th, trace_id_low AS tl, span_id, parent_id, shared, kind, service, status_code, peer_service,
    start >= $1 AND start <= $2 AS inside
  FROM ` + spansView + ` WHERE start >= $3 AND start <= $4 AND kind IN ('client', 'server')),
c AS (SELECT th, tl, span_id, service, status_code, peer_service, inside FROM w WHERE kind = 'client'),
s AS (SELECT th, tl, CASE WHEN shared THEN span_id ELSE parent_id END AS caller, service, status_code, inside FROM w WHERE kind = 'server'),
calls AS (
  SELECT c.service AS parent, s.service AS child, (c.status_code = 2 OR s.status_code = 2) AS err
  FROM s JOIN c ON c.th = s.th AND c.tl = s.tl AND c.span_id = s.caller
  WHERE s.inside AND c.service <> s.service
  UNION ALL
  SELECT 'unknown', s.service, s.status_code = 2
  FROM s ANTI JOIN c ON c.th = s.th AND c.tl = s.tl AND c.span_id = s.caller
  WHERE s.inside
  UNION ALL
  SELECT c.service, c.peer_service, c.status_code = 2
  FROM c ANTI JOIN s ON c.th = s.th AND c.tl = s.tl AND c.span_id = s.caller
  WHERE c.inside AND c.peer_service <> '')
SELECT parent, child, count(*), count(*) FILTER (WHERE err)
FROM calls GROUP BY parent, child ORDER BY parent, child`

// Dependencies implements storage.DependencyReader over the spans that
// started in [end−lookback, end]: a client→server call is counted in the
// window its server span started in, its client span may lie up to
// Config.DependencyWait outside it (and a client span of the window with no
// server span is paired with server spans up to that long after it). Links are sorted by parent then child.
func (b *Backend) Dependencies(ctx context.Context, end time.Time, lookback time.Duration) ([]storage.DependencyLink, error) {
	rows, err := b.duck.db.QueryContext(ctx, dependenciesSQL,
		end.Add(-lookback), end, end.Add(-lookback-b.dependencyWait), end.Add(b.dependencyWait))
	if err != nil {
		return nil, fmt.Errorf("embedded: dependency links from %s: %w", spansView, err)
	}
	defer rows.Close()
	out := []storage.DependencyLink{}
	for rows.Next() {
		var l storage.DependencyLink
		if err := rows.Scan(&l.Parent, &l.Child, &l.CallCount, &l.ErrorCount); err != nil {
			return nil, fmt.Errorf("embedded: scanning dependency links from %s: %w", spansView, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading dependency links from %s: %w", spansView, err)
	}
	return out, nil
}
