package embedded

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// duckFile is the DuckDB database's file name under Config.Path.
const duckFile = "meshlens.duckdb"

// duckStore is the DuckDB side of the backend: access logs and spans in
// day tables, and dead letters.
//
// Writers (WriteAccessLogs, WriteDeadLetters) and the retention pass are
// serialized by wmu and all run on wconn (DuckDB would otherwise abort one
// of two transactions appending to the same table, and the day list needs
// one owner); readers use the pool of db, and DuckDB's MVCC gives each a
// consistent snapshot while a writer commits. DuckDB's own defaults apply
// otherwise: threads = cores, memory_limit = 80% of RAM.
type duckStore struct {
	connector *duckdb.Connector
	db        *sql.DB
	retention time.Duration
	// rollupRetention is how long rollups are kept (rollups_schema.go).
	rollupRetention time.Duration
	now             func() time.Time // the clock; tests replace it

	wmu      sync.Mutex
	wconn    *sql.Conn
	days     map[time.Time]bool // UTC midnights that have an access_logs day table; guarded by wmu
	spanDays map[time.Time]bool // the same for spans

	stopRetention context.CancelFunc
	retentionDone chan struct{}
}

// duckCatalog is the name the database file is attached under.
const duckCatalog = "meshlens"

// openDuck opens (or creates) <dir>/meshlens.duckdb. DuckDB replays its WAL
// on open, so every write acknowledged before a crash is there again.
//
// The file is ATTACHed to a private in-memory DuckDB instance rather than
// opened directly: duckdb-go opens files through DuckDB's process-wide
// instance cache, which can spin forever when a file is reopened while the
// previous instance is still being torn down on a DuckDB worker thread
// (duckdb/duckdb#25965). close DETACHes the file, which checkpoints and
// releases it synchronously, so a reopen (tests, a restarted extension)
// never meets a half-closed instance of the same file.
func openDuck(dir string, retention time.Duration) (*duckStore, error) {
	path := filepath.Join(dir, duckFile)
	attach := fmt.Sprintf("ATTACH IF NOT EXISTS '%s' AS %s", strings.ReplaceAll(path, "'", "''"), duckCatalog)
	connector, err := duckdb.NewConnector("", func(c driver.ExecerContext) error {
		for _, q := range []string{attach, "USE " + duckCatalog} {
			if _, err := c.ExecContext(context.Background(), q, nil); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: opening DuckDB %s: %w", path, err)
	}
	s := &duckStore{connector: connector, db: sql.OpenDB(connector), retention: retention, now: time.Now}
	if err := s.init(context.Background()); err != nil {
		_ = s.close()
		return nil, fmt.Errorf("embedded: DuckDB %s: %w", path, err)
	}
	return s, nil
}

func (s *duckStore) init(ctx context.Context) error {
	var err error
	if s.wconn, err = s.db.Conn(ctx); err != nil {
		return fmt.Errorf("opening the writer connection: %w", err)
	}
	for _, q := range []string{
		// Measured on 10k-row batches of access logs (2 cores): with the
		// defaults (16 MB, FSST on), checkpoints cost 2/3 of ingest time,
		// 27k rows/s; with these, 94k rows/s. A larger WAL means fewer,
		// longer checkpoints (one write in ~300k rows waits ~1–2 s for one)
		// and up to 128 MB of WAL to replay after a crash. FSST string
		// compression is the costliest part of a checkpoint; without it
		// high-cardinality strings (ids, paths) take more disk.
		"SET GLOBAL wal_autocheckpoint = '128MB'",
		"SET GLOBAL disabled_compression_methods = 'fsst'",
		deadLetterTable.createSQL("dead_letters"),
		accessLogTable.createSQL(accessLogsTemplate),
		spanTable.createSQL(spansTemplate),
		rollupsSchema[0],
		rollupsSchema[1],
	} {
		if _, err := s.wconn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("creating schema: %w", err)
		}
	}
	if s.days, err = s.listDays(ctx, accessLogParts); err != nil {
		return err
	}
	if s.spanDays, err = s.listDays(ctx, spanParts); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.tx(ctx, func(c rawConn) error {
		if err := migrateSpanAttrs(ctx, c); err != nil {
			return err
		}
		for _, p := range partitionedSignals {
			if err := c.exec(ctx, s.viewSQL(p)); err != nil {
				return fmt.Errorf("creating view %s: %w", p.view, err)
			}
			for d := range s.daysOf(p) { // day tables of files from before an index was added
				if err := p.index(ctx, c, d); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// close detaches the database file (DuckDB checkpoints its WAL into the
// file then) and closes the connections and the in-memory instance.
func (s *duckStore) close() error {
	var errs []error
	if s.wconn != nil {
		_, err := s.wconn.ExecContext(context.Background(), "USE memory; DETACH "+duckCatalog)
		errs = append(errs, err, s.wconn.Close())
	}
	errs = append(errs, s.db.Close(), s.connector.Close())
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("embedded: closing DuckDB: %w", err)
		}
	}
	return nil
}

// rawConn is the writer connection's driver connection, for the Appender
// and for statements inside an explicit transaction.
type rawConn struct{ driver.Conn }

func (c rawConn) exec(ctx context.Context, query string, args ...any) error {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	_, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, query, named)
	return err
}

// tx runs fn on the writer connection inside one DuckDB transaction; the
// caller holds wmu. It commits when fn returns nil and rolls back otherwise.
//
// DuckDB's COMMIT appends the transaction to the WAL (<file>.wal) and
// fsyncs it before returning; rows bulk-written straight into the database
// file ("optimistic writes" of large appends) are fsynced first, and the
// WAL entry points at them. A nil error from tx therefore means the
// transaction survives a crash of the process and of the machine, and is
// replayed on the next open.
func (s *duckStore) tx(ctx context.Context, fn func(c rawConn) error) error {
	return s.wconn.Raw(func(dc any) error {
		c := rawConn{dc.(driver.Conn)}
		if err := c.exec(ctx, "BEGIN TRANSACTION"); err != nil {
			return fmt.Errorf("BEGIN: %w", err)
		}
		if err := fn(c); err != nil {
			// A fresh context: a canceled ctx must not leave the
			// transaction open on the shared writer connection.
			if rbErr := c.exec(context.Background(), "ROLLBACK"); rbErr != nil {
				return fmt.Errorf("%w (and ROLLBACK failed: %v)", err, rbErr)
			}
			return err
		}
		if err := c.exec(context.Background(), "COMMIT"); err != nil {
			return fmt.Errorf("COMMIT: %w", err)
		}
		return nil
	})
}
