// Package embedded is meshlens' default single-machine backend: a Prometheus
// TSDB for samples (with its WAL and retention) under <path>/tsdb, and a
// DuckDB database <path>/meshlens.duckdb for access logs and spans (one
// table per UTC day each, see partitions.go) and dead letters.
package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/meshlens/meshlens/storage"
)

// Backend is the embedded storage backend. It is safe for concurrent use.
type Backend struct {
	db   *tsdb.DB
	md   metadataCache
	duck *duckStore

	dependencyWait   time.Duration
	autocompleteKeys []string
}

var (
	_ storage.Backend       = (*Backend)(nil)
	_ storage.MetadataStore = (*Backend)(nil)
)

// Open opens (or creates) the backend at cfg.Path, replaying the TSDB's and
// DuckDB's WALs so that everything acknowledged before a crash is visible
// again, and starts DuckDB's retention loop.
func Open(cfg Config, logger *slog.Logger) (*Backend, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir := filepath.Join(cfg.Path, "tsdb")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: creating %s: %w", dir, err)
	}
	opts := tsdb.DefaultOptions()
	opts.RetentionDuration = cfg.retention().Milliseconds()
	opts.OutOfOrderTimeWindow = cfg.OutOfOrderWindow.Milliseconds()
	db, err := tsdb.Open(dir, logger.With("component", "tsdb"), nil, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("embedded: opening TSDB at %s: %w", dir, err)
	}
	duck, err := openDuck(cfg.Path, cfg.retention())
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	duck.rollupRetention = cfg.rollupRetention()
	duck.startRetention(cfg.retentionCheckInterval(), logger.With("component", "duckdb"))
	return &Backend{db: db, duck: duck, dependencyWait: cfg.dependencyWait(), autocompleteKeys: cfg.autocompleteKeys()}, nil
}

// Storage exposes the TSDB as a Prometheus storage.Storage, for engines and
// tests that need the full interface (e.g. Prometheus' PromQL test corpus).
func (b *Backend) Storage() promstorage.Storage { return b.db }

// Querier implements storage.Queryable over the TSDB.
func (b *Backend) Querier(mint, maxt int64) (promstorage.Querier, error) {
	return b.db.Querier(mint, maxt)
}

// Close stops retention, then closes DuckDB (checkpointing its WAL) and the
// TSDB (flushing the head's WAL).
func (b *Backend) Close() error {
	b.duck.stopRetention()
	<-b.duck.retentionDone
	duckErr := b.duck.close()
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("embedded: closing TSDB: %w", err)
	}
	return duckErr
}

// UpdateMetadata implements storage.MetadataStore.
func (b *Backend) UpdateMetadata(_ context.Context, md []storage.Metadata) error {
	b.md.update(md)
	return nil
}

// Metadata implements storage.MetadataStore.
func (b *Backend) Metadata(_ context.Context, metric string, limit, limitPerMetric int) (map[string][]storage.Metadata, error) {
	return b.md.get(metric, limit, limitPerMetric), nil
}
