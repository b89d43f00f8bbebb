package embedded

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/sqlq"
)

// column maps one field of the row type T to a DuckDB column: value is
// what the Appender writes, dest the pointer rows.Scan fills. The helpers
// below derive both from one field accessor, so they cannot drift apart.
type column[T any] struct {
	name    string
	sqlType string
	value   func(*T) driver.Value
	dest    func(*T) any
}

// columns is a table's column list, in table order. DDL, the Appender and
// SELECT lists are all generated from it.
type columns[T any] []column[T]

func stringCol[T any](name string, ptr func(*T) *string) column[T] {
	return column[T]{name, "VARCHAR", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func int64Col[T any](name string, ptr func(*T) *int64) column[T] {
	return column[T]{name, "BIGINT", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func int32Col[T any](name string, ptr func(*T) *int32) column[T] {
	return column[T]{name, "INTEGER", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func intCol[T any](name string, ptr func(*T) *int) column[T] {
	return column[T]{name, "BIGINT", func(r *T) driver.Value { return int64(*ptr(r)) }, func(r *T) any { return ptr(r) }}
}

// timeCol stores a time as TIMESTAMPTZ: microseconds since the epoch, UTC,
// so no session time zone takes part in storing or comparing it. Sub-µs
// precision is truncated.
func timeCol[T any](name string, ptr func(*T) *time.Time) column[T] {
	return column[T]{name, "TIMESTAMPTZ", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func blobCol[T any](name string, ptr func(*T) *[]byte) column[T] {
	return column[T]{name, "BLOB", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

// names is the comma-separated column list, for SELECT and INSERT.
func (cs columns[T]) names() string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	return b.String()
}

// ddl is the column definitions of CREATE TABLE; every column is NOT NULL
// (absent strings are "", as in the row types).
func (cs columns[T]) ddl() string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(",\n\t")
		}
		b.WriteString(c.name + " " + c.sqlType + " NOT NULL")
	}
	return b.String()
}

// values fills buf with r's column values for the Appender.
func (cs columns[T]) values(r *T, buf []driver.Value) []driver.Value {
	buf = buf[:0]
	for _, c := range cs {
		buf = append(buf, c.value(r))
	}
	return buf
}

// collect scans every row of rows (cs's columns, in order) into a new T.
func (cs columns[T]) collect(rows sqlq.Rows) ([]T, error) {
	buf := make([]any, 0, len(cs))
	return sqlq.Collect(rows, func(r *T) []any { return cs.dests(r, buf) })
}

// dests fills buf with pointers into r for rows.Scan.
func (cs columns[T]) dests(r *T, buf []any) []any {
	buf = buf[:0]
	for _, c := range cs {
		buf = append(buf, c.dest(r))
	}
	return buf
}

func uint64Col[T any](name string, ptr func(*T) *uint64) column[T] {
	return column[T]{name, "UBIGINT", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func boolCol[T any](name string, ptr func(*T) *bool) column[T] {
	return column[T]{name, "BOOLEAN", func(r *T) driver.Value { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

// textCol is a VARCHAR column of a named string type.
func textCol[T any, S ~string](name string, ptr func(*T) *S) column[T] {
	return column[T]{name, "VARCHAR", func(r *T) driver.Value { return string(*ptr(r)) }, func(r *T) any { return textDest[S]{ptr(r)} }}
}

// textDest scans a VARCHAR into a named string type.
type textDest[S ~string] struct{ p *S }

func (d textDest[S]) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*d.p = S(v)
	case []byte:
		*d.p = S(v)
	case nil:
		*d.p = ""
	default:
		return fmt.Errorf("scanning %T into a string", src)
	}
	return nil
}

// fieldColumns maps storage's field list of a row type to DuckDB columns.
func fieldColumns[T any](fs []storage.Field[T]) columns[T] {
	return storage.MapFields(fs, storage.ColumnMakers[T, column[T]]{
		String: stringCol[T], Int64: int64Col[T], Int32: int32Col[T], Uint64: uint64Col[T],
		Bool: boolCol[T], Time: timeCol[T], SpanKind: textCol[T, storage.SpanKind],
	}, 3)
}
