package embedded

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"slices"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/meshlens/meshlens/storage/rowhash"
)

// rowHashColumn holds xxhash64 of all of a row's column values. Writes use
// it, with the row's time, to skip rows already stored (exact replays).
const rowHashColumn = "row_hash"

// target is where one slice of a batch goes: the rows whose time lies in
// [from, to] (inclusive: the slice's own min and max).
type target struct {
	table    string
	from, to time.Time
}

// appendTable describes how a row type is written: its columns, its time
// column (which bounds the replay check) and the derived columns that
// follow them in the table, before row_hash.
type appendTable[T any] struct {
	name       string // for error messages
	cols       columns[T]
	timeColumn string
	timeOf     func(*T) time.Time
	derivedDDL string                                         // e.g. ",\n\trequest_hash UBIGINT NOT NULL"
	derived    func(r *T, vals []driver.Value) []driver.Value // appends the derived values
	// distinct drops rows equal to an earlier row of the same batch (same
	// time and row hash); otherwise identical records in a batch are all
	// kept.
	distinct bool
}

// createSQL is the CREATE TABLE of a table of this type.
func (t *appendTable[T]) createSQL(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + table + " (\n\t" + t.cols.ddl() + t.derivedDDL +
		",\n\t" + rowHashColumn + " BIGINT NOT NULL)"
}

// write appends rows (in time order) to their targets through DuckDB's
// Appender, in the caller's transaction, skipping rows already stored:
// for each target it reads the (time, row_hash) pairs stored in the
// target's time range (zonemaps keep this to the newest row group for data
// arriving in time order) and drops as many equal rows from the batch. So
// an exact replay of a stored batch stores nothing; identical records
// within one batch are all kept unless t.distinct. Two distinct records collide only with
// the same microsecond and the same 64-bit hash. The caller holds wmu.
func (t *appendTable[T]) write(ctx context.Context, c rawConn, rows []T, targets []target) error {
	at := func(i int) time.Time { return t.timeOf(&rows[i]).Truncate(time.Microsecond) }
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return at(a).Compare(at(b)) })
	next := 0
	for _, tg := range targets {
		stored, err := t.storedKeys(ctx, c, tg)
		if err != nil {
			return err
		}
		end := next
		for end < len(order) && !at(order[end]).After(tg.to) {
			end++
		}
		if err := t.appendRows(ctx, c, tg.table, rows, order[next:end], stored); err != nil {
			return err
		}
		next = end
	}
	return nil
}

type rowKey struct {
	micros int64
	hash   int64
}

// storedKeys counts the rows of tg's time range already in tg's table.
func (t *appendTable[T]) storedKeys(ctx context.Context, c rawConn, tg target) (map[rowKey]int, error) {
	q := "SELECT epoch_us(" + t.timeColumn + "), " + rowHashColumn + " FROM " + tg.table +
		" WHERE " + t.timeColumn + " BETWEEN $1 AND $2"
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, q,
		[]driver.NamedValue{{Ordinal: 1, Value: tg.from}, {Ordinal: 2, Value: tg.to}})
	if err != nil {
		return nil, fmt.Errorf("reading %s.%s: %w", tg.table, rowHashColumn, err)
	}
	defer rows.Close()
	stored := map[rowKey]int{}
	vals := make([]driver.Value, 2)
	for {
		if err := rows.Next(vals); err != nil {
			if err == io.EOF {
				return stored, nil
			}
			return nil, fmt.Errorf("reading %s.%s: %w", tg.table, rowHashColumn, err)
		}
		stored[rowKey{vals[0].(int64), vals[1].(int64)}]++
	}
}

func (t *appendTable[T]) appendRows(ctx context.Context, c rawConn, table string, rows []T, order []int, stored map[rowKey]int) error {
	app, err := duckdb.NewAppender(c.Conn, "", "", table)
	if err != nil {
		return fmt.Errorf("appender for %s: %w", table, err)
	}
	vals := make([]driver.Value, 0, len(t.cols)+4)
	var seen map[rowKey]bool
	if t.distinct {
		seen = make(map[rowKey]bool, len(order))
	}
	for _, i := range order {
		r := &rows[i]
		vals = t.cols.values(r, vals)
		h := hashValues(vals)
		k := rowKey{t.timeOf(r).UnixMicro(), h}
		if seen != nil { // before the stored check: a repeat of a stored row is skipped too
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		if stored[k] > 0 {
			stored[k]--
			continue
		}
		if t.derived != nil {
			vals = t.derived(r, vals)
		}
		if err := app.AppendRow(append(vals, h)...); err != nil {
			_ = app.Close()
			return fmt.Errorf("appending to %s: %w", table, err)
		}
	}
	if err := app.CloseWithCancel(ctx); err != nil {
		return fmt.Errorf("flushing rows into %s: %w", table, err)
	}
	return nil
}

// hashValues is storage/rowhash.Of: it identifies a row for replay
// detection.
func hashValues(vals []driver.Value) int64 { return int64(rowhash.Of(vals)) }
