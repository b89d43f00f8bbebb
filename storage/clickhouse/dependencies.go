package clickhouse

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
)

//go:embed sql/dependencies.sql
var dependenciesSQL string

// Dependencies implements storage.DependencyReader over the spans that
// started in [end−lookback, end], in one SQL query (sql/dependencies.sql):
// a client→server call is counted in the window its server span started
// in, its client span may lie up to dependencyPairSlack outside it. Links
// are sorted by parent then child.
func (b *Backend) Dependencies(ctx context.Context, end time.Time, lookback time.Duration) ([]storage.DependencyLink, error) {
	from, to := end.Add(-lookback).UnixMicro(), end.UnixMicro()
	wait := b.cfg.dependencyWait()
	wFrom, wTo := end.Add(-lookback-wait).UnixMicro(), end.Add(wait).UnixMicro()
	q := strings.ReplaceAll(dependenciesSQL, "{{SPANS}}", b.table("spans"))
	rows, err := b.conn.Query(ctx, q, from, to, wFrom, wTo, from, to, wFrom, wTo)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: dependency links from spans: %w", err)
	}
	defer rows.Close()
	out := []storage.DependencyLink{}
	for rows.Next() {
		var l storage.DependencyLink
		var calls, errs uint64
		if err := rows.Scan(&l.Parent, &l.Child, &calls, &errs); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning dependency links: %w", err)
		}
		l.CallCount, l.ErrorCount = int64(calls), int64(errs)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading dependency links: %w", err)
	}
	return out, nil
}
