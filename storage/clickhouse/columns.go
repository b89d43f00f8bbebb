package clickhouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowhash"
	"github.com/meshlens/meshlens/storage/sqlq"
)

// column maps one field of the row type T to a ClickHouse column: value is
// what an INSERT batch appends, dest what a SELECT scans into. The helpers
// derive both from one field accessor, so they cannot drift apart.
type column[T any] struct {
	name  string
	value func(*T) any
	dest  func(*T) any
}

// columns is a table's column list in a fixed order; INSERT and SELECT
// lists are generated from it.
type columns[T any] []column[T]

func stringCol[T any](name string, ptr func(*T) *string) column[T] {
	return column[T]{name, func(r *T) any { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func int64Col[T any](name string, ptr func(*T) *int64) column[T] {
	return column[T]{name, func(r *T) any { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func int32Col[T any](name string, ptr func(*T) *int32) column[T] {
	return column[T]{name, func(r *T) any { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

func uint64Col[T any](name string, ptr func(*T) *uint64) column[T] {
	return column[T]{name, func(r *T) any { return *ptr(r) }, func(r *T) any { return ptr(r) }}
}

// boolCol is a UInt8 column (18.16 has no Bool).
func boolCol[T any](name string, ptr func(*T) *bool) column[T] {
	return column[T]{name,
		func(r *T) any {
			if *ptr(r) {
				return uint8(1)
			}
			return uint8(0)
		},
		func(r *T) any { return boolDest{ptr(r)} }}
}

type boolDest struct{ p *bool }

func (d boolDest) Scan(src any) error {
	v, ok := src.(uint8)
	if !ok {
		return fmt.Errorf("scanning %T into a bool", src)
	}
	*d.p = v != 0
	return nil
}

// microsCol stores a time as Int64 microseconds since the epoch (UTC);
// sub-µs precision is truncated, and it reads back in UTC.
func microsCol[T any](name string, ptr func(*T) *time.Time) column[T] {
	return column[T]{name, func(r *T) any { return ptr(r).UnixMicro() }, func(r *T) any { return microsDest{ptr(r)} }}
}

type microsDest struct{ p *time.Time }

func (d microsDest) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("scanning %T into a time", src)
	}
	*d.p = time.UnixMicro(v).UTC()
	return nil
}

// textCol is a String column of a named string type.
func textCol[T any, S ~string](name string, ptr func(*T) *S) column[T] {
	return column[T]{name, func(r *T) any { return string(*ptr(r)) }, func(r *T) any { return textDest[S]{ptr(r)} }}
}

type textDest[S ~string] struct{ p *S }

func (d textDest[S]) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("scanning %T into a string", src)
	}
	*d.p = S(s)
	return nil
}

// names is the comma-separated column list, with an optional table alias
// prefix, for SELECT and INSERT.
func (cs columns[T]) names(prefix string) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix + c.name)
	}
	return b.String()
}

// values appends r's column values to buf.
func (cs columns[T]) values(r *T, buf []any) []any {
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

// dests fills buf with pointers into r for Scan.
func (cs columns[T]) dests(r *T, buf []any) []any {
	buf = buf[:0]
	for _, c := range cs {
		buf = append(buf, c.dest(r))
	}
	return buf
}

// hashValues is storage/rowhash.Of: it identifies a row for replay
// detection.
func hashValues(vals []any) uint64 { return rowhash.Of(vals) }

// utcDay is t's UTC day, for the `day` partition column.
func utcDay(t time.Time) time.Time {
	return t.UTC().Truncate(24 * time.Hour)
}

// seqCounter numbers identical rows within one batch: the n-th occurrence
// of a hash gets n-1. A replayed batch numbers them the same way, so its
// rows get the same keys and FINAL keeps one of each.
type seqCounter map[uint64]uint32

func (s seqCounter) next(h uint64) uint32 {
	n := s[h]
	s[h] = n + 1
	return n
}

// fieldColumns maps storage's field list of a row type to ClickHouse
// columns; times are Int64 microseconds, named with a _us suffix.
func fieldColumns[T any](fs []storage.Field[T]) columns[T] {
	return storage.MapFields(fs, storage.ColumnMakers[T, column[T]]{
		String: stringCol[T], Int64: int64Col[T], Int32: int32Col[T], Uint64: uint64Col[T],
		Bool: boolCol[T], Time: func(name string, p func(*T) *time.Time) column[T] { return microsCol(name+"_us", p) }, SpanKind: textCol[T, storage.SpanKind],
	}, 3)
}
