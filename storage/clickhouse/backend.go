// Package clickhouse is meshlens' ClickHouse backend: access logs, spans,
// dead letters, Prometheus series and samples, metric metadata and edge
// rollups in ClickHouse tables, for installations where one machine is not
// enough. The schema is in embedded .sql migrations (sql/migrations),
// applied at Open; it runs on Debian's ClickHouse 18.16 and on current
// releases, using newer column types and codecs where the server has them.
//
// Aggregations (RED, dependency links) run as SQL inside ClickHouse; PromQL
// runs on Prometheus' engine over Querier, whose label matchers become SQL
// conditions with bound parameters.
//
// Durability: a write returns nil once ClickHouse has acknowledged the
// INSERT, i.e. written the part to its data directory. Every write may be
// replayed: tables are ReplacingMergeTrees keyed on a hash of the whole row
// and readers use FINAL, so a replayed batch leaves the data unchanged.
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/meshlens/meshlens/storage"
)

// Backend is the ClickHouse storage backend. It is safe for concurrent use.
type Backend struct {
	cfg      Config
	db       string
	conn     driver.Conn
	logger   *slog.Logger
	features features

	series seriesCache
	labels labelCache
	md     metadataSeen

	stopRetention context.CancelFunc
	retentionDone chan struct{}
	closeOnce     sync.Once
}

var (
	_ storage.Backend          = (*Backend)(nil)
	_ storage.MetadataStore    = (*Backend)(nil)
	_ storage.AccessLogWriter  = (*Backend)(nil)
	_ storage.AccessLogReader  = (*Backend)(nil)
	_ storage.DeadLetterWriter = (*Backend)(nil)
	_ storage.DeadLetterReader = (*Backend)(nil)
	_ storage.REDReader        = (*Backend)(nil)
	_ storage.SpanWriter       = (*Backend)(nil)
	_ storage.TraceReader      = (*Backend)(nil)
	_ storage.DependencyReader = (*Backend)(nil)
)

// Open connects to ClickHouse, detects the server's version (logging the
// schema features it allows), creates the database and applies pending
// migrations (or, with Config.Cluster, checks the cluster schema), and
// starts the retention loop. Connection, authentication and schema
// problems are returned with what was being done.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Backend, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	addr, _ := cfg.addr()
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	conn, err := ch.Open(&ch.Options{
		Addr:         []string{addr},
		Auth:         ch.Auth{Username: cfg.Username, Password: cfg.Password},
		TLS:          tlsCfg,
		DialTimeout:  cfg.dialTimeout(),
		MaxOpenConns: 16,
		MaxIdleConns: 8,
		Compression:  &ch.Compression{Method: ch.CompressionLZ4},
		Settings:     settings(cfg),
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse: connecting to %s: %w", addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("clickhouse: connecting to %s as user %q: %w", addr, userOrDefault(cfg.Username), err)
	}
	v, err := conn.ServerVersion()
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("clickhouse: reading the server version of %s: %w", addr, err)
	}
	b := &Backend{cfg: cfg, db: cfg.Database, conn: conn, logger: logger, features: detectFeatures(v)}
	b.features.log(logger)
	if cfg.Cluster != "" {
		err = b.checkClusterSchema(ctx)
	} else {
		err = b.migrate(ctx)
	}
	if err == nil {
		err = b.checkSchema(ctx)
	}
	if err == nil && b.features.ttl && cfg.Cluster == "" {
		err = b.setTTL(ctx)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	b.series.init()
	b.startRetention(cfg.retentionCheckInterval())
	return b, nil
}

// settings are the session settings. On a cluster, whose tables are
// Distributed, insert_distributed_sync makes an INSERT return only once
// every shard has its rows, so an acknowledgement means stored, not queued
// on the receiving node. (Subqueries over Distributed tables are written
// GLOBAL IN: run once on the node that got the query, their result shipped
// to the shards, as RED's per-destination reporter choice needs; on one
// server GLOBAL IN is a plain IN. 18.16's protocol cannot carry the string
// setting distributed_product_mode.)
func settings(cfg Config) ch.Settings {
	if cfg.Cluster == "" {
		return nil
	}
	return ch.Settings{"insert_distributed_sync": 1}
}

func userOrDefault(u string) string {
	if u == "" {
		return "default"
	}
	return u
}

// Close stops the retention loop and closes the connections. Writes are
// acknowledged by ClickHouse when they return, so nothing is buffered here.
func (b *Backend) Close() error {
	var err error
	b.closeOnce.Do(func() {
		b.stopRetention()
		<-b.retentionDone
		err = b.conn.Close()
	})
	return err
}

// Database is the database the backend uses.
func (b *Backend) Database() string { return b.db }

// table is the qualified name of a meshlens table.
func (b *Backend) table(name string) string { return b.db + "." + name }

// setTTL makes the server expire days itself (servers >= 19.6), with the
// configured retention; the retention loop still runs and covers older
// servers.
func (b *Backend) setTTL(ctx context.Context) error {
	days := int(b.cfg.retention() / (24 * time.Hour))
	for _, t := range partitionedTables {
		if t == "samples" {
			continue // retention counts back from the newest sample, see enforceRetention
		}
		stmt := fmt.Sprintf("ALTER TABLE %s MODIFY TTL day + toIntervalDay(%d)", b.table(t), days+1)
		if err := b.conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("clickhouse: setting the TTL of %s: %w", b.table(t), err)
		}
	}
	return nil
}

// startRetention drops expired day partitions now and every interval.
func (b *Backend) startRetention(interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	b.stopRetention = cancel
	b.retentionDone = make(chan struct{})
	go func() {
		defer close(b.retentionDone)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if err := b.enforceRetention(ctx, time.Now()); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				b.logger.Warn("clickhouse retention failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// enforceRetention drops every day partition whose whole day is older than
// the cutoff: now−retention for events, and for samples, as in Prometheus'
// TSDB, the newest sample's time−retention (so that old data loaded
// on purpose, e.g. a backfill, is not dropped by the wall clock alone).
// It costs two queries when nothing has expired.
func (b *Backend) enforceRetention(ctx context.Context, now time.Time) error {
	suffix := ""
	if b.cfg.Cluster != "" {
		// The data is in the <table>_local tables of every node
		// (deploy/clickhouse/cluster.sql); drops run ON CLUSTER.
		suffix = "_local"
	}
	rows, err := b.conn.Query(ctx, "SELECT table, partition_id, toUInt32(max(max_date)) FROM system.parts "+
		"WHERE database = ? AND active GROUP BY table, partition_id", b.db)
	if err != nil {
		return fmt.Errorf("clickhouse: listing partitions: %w", err)
	}
	type part struct {
		table, id string
		maxDay    time.Time
	}
	var parts []part
	hasSamples := false
	for rows.Next() {
		var p part
		var days uint32
		if err := rows.Scan(&p.table, &p.id, &days); err != nil {
			rows.Close()
			return fmt.Errorf("clickhouse: listing partitions: %w", err)
		}
		p.table = strings.TrimSuffix(p.table, suffix)
		if !slices.Contains(partitionedTables, p.table) {
			continue
		}
		hasSamples = hasSamples || p.table == "samples"
		p.maxDay = time.Unix(int64(days)*86400, 0).UTC()
		parts = append(parts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("clickhouse: listing partitions: %w", err)
	}
	eventsCutoff, samplesCutoff := now.Add(-b.cfg.retention()), time.Time{}
	if hasSamples {
		var newest int64
		if err := b.conn.QueryRow(ctx, "SELECT max(t) FROM "+b.table("samples")).Scan(&newest); err != nil {
			return fmt.Errorf("clickhouse: reading the newest sample: %w", err)
		}
		samplesCutoff = time.UnixMilli(newest).Add(-b.cfg.retention())
	}
	for _, p := range parts {
		cutoff := eventsCutoff
		if p.table == "samples" {
			cutoff = samplesCutoff
		}
		// A day goes once all of it is older than the cutoff.
		if !p.maxDay.Add(24 * time.Hour).After(cutoff) {
			// Partition ids of a Date key are digits (YYYYMMDD): safe inline.
			stmt := fmt.Sprintf("ALTER TABLE %s%s%s DROP PARTITION ID '%s'", b.table(p.table), suffix, b.onCluster(), p.id)
			if err := b.conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("clickhouse: dropping partition %s of %s: %w", p.id, p.table, err)
			}
			b.logger.Info("clickhouse retention dropped a day", "table", p.table, "partition", p.id)
		}
	}
	return nil
}

// onCluster is the ON CLUSTER clause of DDL on a cluster, else "".
func (b *Backend) onCluster() string {
	if b.cfg.Cluster == "" {
		return ""
	}
	return " ON CLUSTER " + b.cfg.Cluster
}
