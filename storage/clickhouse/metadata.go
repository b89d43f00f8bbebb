package clickhouse

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// metadataSeen remembers the entries this process stored, so that a
// scrape's repeated metadata costs no INSERT.
type metadataSeen struct {
	mu   sync.Mutex
	seen map[storage.Metadata]bool
}

// UpdateMetadata implements storage.MetadataStore: entries not seen before
// by this process are inserted into metric_metadata (a ReplacingMergeTree
// on the whole entry, so every query node sees the same, deduplicated
// metadata).
func (b *Backend) UpdateMetadata(ctx context.Context, md []storage.Metadata) error {
	b.md.mu.Lock()
	defer b.md.mu.Unlock()
	if b.md.seen == nil {
		b.md.seen = map[storage.Metadata]bool{}
	}
	var fresh []storage.Metadata
	for _, m := range md {
		if !b.md.seen[m] {
			b.md.seen[m] = true
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("metric_metadata")+" (metric, type, help, unit, seen_us)")
	if err != nil {
		return b.forgetMetadata(fresh, fmt.Errorf("clickhouse: preparing insert into metric_metadata: %w", err))
	}
	defer func() { _ = batch.Abort() }()
	now := time.Now().UnixMicro()
	for _, m := range fresh {
		if err := batch.Append(m.Metric, m.Type, m.Help, m.Unit, now); err != nil {
			return b.forgetMetadata(fresh, fmt.Errorf("clickhouse: appending to metric_metadata: %w", err))
		}
	}
	if err := batch.Send(); err != nil {
		return b.forgetMetadata(fresh, fmt.Errorf("clickhouse: inserting %d metadata entries: %w", len(fresh), err))
	}
	return nil
}

// forgetMetadata un-remembers entries whose insert failed, so the next
// update retries them. The caller holds b.md.mu.
func (b *Backend) forgetMetadata(md []storage.Metadata, err error) error {
	for _, m := range md {
		delete(b.md.seen, m)
	}
	return err
}

// Metadata implements storage.MetadataStore: per family (sorted), the
// distinct entries stored, in the order first seen; at most limit families
// and limitPerMetric entries each when those are > 0; metric, when not
// empty, selects one family.
func (b *Backend) Metadata(ctx context.Context, metric string, limit, limitPerMetric int) (map[string][]storage.Metadata, error) {
	q := "SELECT metric, type, help, unit FROM " + b.table("metric_metadata") + " FINAL"
	var args []any
	if metric != "" {
		q += " WHERE metric = ?"
		args = append(args, metric)
	}
	rows, err := b.conn.Query(ctx, q+" ORDER BY metric, seen_us, type, help, unit", args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: querying metric_metadata: %w", err)
	}
	defer rows.Close()
	out := map[string][]storage.Metadata{}
	for rows.Next() {
		var m storage.Metadata
		if err := rows.Scan(&m.Metric, &m.Type, &m.Help, &m.Unit); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning metric_metadata: %w", err)
		}
		cur, ok := out[m.Metric]
		if !ok && limit > 0 && len(out) >= limit {
			continue
		}
		if limitPerMetric > 0 && len(cur) >= limitPerMetric {
			continue
		}
		out[m.Metric] = append(cur, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading metric_metadata: %w", err)
	}
	return out, nil
}
