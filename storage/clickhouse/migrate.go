package clickhouse

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed sql/migrations/*.sql
var migrationFS embed.FS

// migration is one versioned .sql file: sql/migrations/NNNN_name.sql.
type migration struct {
	version uint32
	name    string
	text    string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "sql/migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := path.Base(f)
		num, name, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", base)
		}
		text, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{uint32(v), name, string(text)})
	}
	slices.SortFunc(out, func(a, b migration) int { return int(a.version) - int(b.version) })
	return out, nil
}

// features are what the connected server's version allows in the schema.
type features struct {
	version        string
	lowCardinality bool // LowCardinality(String), GA in 19.x
	codecs         bool // CODEC(Delta, LZ4)
	gorilla        bool // CODEC(Gorilla)
	ttl            bool // table TTL
}

func detectFeatures(v *driver.ServerVersion) features {
	at := func(major, minor uint64) bool {
		return v.Version.Major > major || (v.Version.Major == major && v.Version.Minor >= minor)
	}
	return features{
		version:        fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch),
		lowCardinality: at(19, 3),
		codecs:         at(19, 3),
		gorilla:        at(20, 1),
		ttl:            at(19, 6),
	}
}

// log states which optional features the schema uses, and why not the
// others, so that an operator sees the choice.
func (f features) log(logger *slog.Logger) {
	logger.Info("clickhouse server features",
		"version", f.version,
		"low_cardinality", f.lowCardinality,
		"codecs", f.codecs,
		"gorilla_codec", f.gorilla,
		"ttl", f.ttl,
		"map", "not used: span attributes are parallel Array(String) columns on every version")
}

// render fills a migration's placeholders.
func (f features) render(sql, db string) string {
	lc, delta, float := "String", "", ""
	if f.lowCardinality {
		lc = "LowCardinality(String)"
	}
	if f.codecs {
		delta = "CODEC(Delta, LZ4)"
	}
	if f.gorilla {
		float = "CODEC(Gorilla, LZ4)"
	}
	return strings.NewReplacer("{{DB}}", db, "{{LC}}", lc, "{{DELTA}}", delta, "{{FLOAT}}", float).Replace(sql)
}

// statements splits a .sql file on ';' at line ends, dropping comment
// lines and empty statements.
func statements(sql string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(sql, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") || t == "" {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// migrate creates the database and applies the migrations it has not
// recorded yet, each statement idempotent (IF NOT EXISTS), so two nodes
// starting at once cannot break the schema.
func (b *Backend) migrate(ctx context.Context) error {
	db := b.db
	if err := b.conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		return fmt.Errorf("clickhouse: creating database %s: %w", db, err)
	}
	if err := b.conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+db+".schema_migrations (version UInt32, name String, applied_us Int64) ENGINE = MergeTree ORDER BY version"); err != nil {
		return fmt.Errorf("clickhouse: creating %s.schema_migrations: %w", db, err)
	}
	applied := map[uint32]bool{}
	rows, err := b.conn.Query(ctx, "SELECT version FROM "+db+".schema_migrations")
	if err != nil {
		return fmt.Errorf("clickhouse: reading %s.schema_migrations: %w", db, err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("clickhouse: reading %s.schema_migrations: %w", db, err)
		}
		applied[v] = true
	}
	rows.Close()
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		for i, stmt := range statements(b.features.render(m.text, db)) {
			if err := b.conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("clickhouse: migration %04d_%s, statement %d: %w", m.version, m.name, i+1, err)
			}
		}
		if err := b.recordMigration(ctx, m); err != nil {
			return fmt.Errorf("clickhouse: recording migration %04d_%s: %w", m.version, m.name, err)
		}
		b.logger.Info("clickhouse migration applied", "database", db, "version", m.version, "name", m.name)
	}
	return nil
}

// partitionedTables are the tables retention drops days of.
var partitionedTables = []string{"access_logs", "access_log_request_ids", "spans", "span_request_ids", "span_services",
	"dead_letters", "samples", "edge_rollups"}

// requiredTables must exist for a cluster schema made by
// deploy/clickhouse/cluster.sql.
var requiredTables = append([]string{"series", "metric_metadata"}, partitionedTables...)

// checkClusterSchema verifies that the cluster schema exists, since with
// Config.Cluster set the operator creates it (see deploy/clickhouse).
func (b *Backend) checkClusterSchema(ctx context.Context) error {
	rows, err := b.conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ?", b.db)
	if err != nil {
		return fmt.Errorf("clickhouse: listing tables of %s: %w", b.db, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("clickhouse: listing tables of %s: %w", b.db, err)
		}
		have[n] = true
	}
	for _, t := range requiredTables {
		if !have[t] {
			return fmt.Errorf("clickhouse: cluster %q: table %s.%s is missing: apply deploy/clickhouse/cluster.sql first", b.cfg.Cluster, b.db, t)
		}
	}
	return nil
}

// recordMigration notes m as applied. It is a batch INSERT: on ClickHouse
// 18.16 an INSERT ... VALUES sent through Exec waits for a data block.
func (b *Backend) recordMigration(ctx context.Context, m migration) error {
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.db+".schema_migrations (version, name, applied_us)")
	if err != nil {
		return err
	}
	defer func() { _ = batch.Abort() }()
	if err := batch.Append(m.version, m.name, time.Now().UnixMicro()); err != nil {
		return err
	}
	return batch.Send()
}

// schemaColumns are the columns meshlens reads and writes, per table.
func schemaColumns() map[string]string {
	return map[string]string{
		"access_logs":            accessLogColumns.names("") + ", day, request_hash, response_flag_bits, row_hash, row_seq",
		"spans":                  spanColumns.names("") + ", day, request_hash, row_hash",
		"dead_letters":           deadLetterColumns.names("") + ", day, row_hash, row_seq",
		"series":                 "metric_name, fingerprint, label_names, label_values",
		"samples":                "day, fingerprint, t, v, h",
		"metric_metadata":        "metric, type, help, unit, seen_us",
		"edge_rollups":           rollupInsertColumns,
		"access_log_request_ids": "request_hash, day, start_us",
		"span_request_ids":       "request_hash, day, trace_id_high, trace_id_low",
		"span_services":          "service, day, start_us, trace_id_high, trace_id_low",
	}
}

// checkSchema reads zero rows of every column meshlens uses, so that a
// table created by someone else (or an older, incompatible schema) fails
// at start with the table and ClickHouse's own words, not at the first
// write.
func (b *Backend) checkSchema(ctx context.Context) error {
	for table, cols := range schemaColumns() {
		rows, err := b.conn.Query(ctx, "SELECT "+cols+" FROM "+b.table(table)+" LIMIT 0")
		if err != nil {
			return fmt.Errorf("clickhouse: schema check of %s: %w (the table does not have meshlens' columns; see storage/clickhouse/sql/migrations)", b.table(table), err)
		}
		rows.Close()
	}
	return nil
}
