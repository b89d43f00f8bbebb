package embedded

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/spancols"
)

type sp = storage.Span

// spanColumns is the spans schema, one typed column per storage.Span field
// (trace id as two UBIGINTs, start TIMESTAMPTZ µs, duration in µs); Attrs
// are one VARCHAR of spancols' attribute text and Events one JSON VARCHAR
// ("" when there are none). Each day table then has request_hash and
// row_hash.
var spanColumns = append(fieldColumns(storage.SpanFields),
	encodedCol(attrsColumn, "attribute text",
		func(r *sp) string { return spancols.EncodeAttrs(r.Attrs) },
		func(r *sp, s string) (err error) { r.Attrs, err = spancols.DecodeAttrs(s); return err }),
	encodedCol("events", "JSON text",
		func(r *sp) string { return spancols.EncodeEvents(r.Events) },
		func(r *sp, s string) (err error) { r.Events, err = spancols.DecodeEvents(s); return err }))

// attrsColumn holds the attribute text (spancols.EncodeAttrs).
const attrsColumn = "attrs"

// attrValueSQL is the SQL value of the attribute whose key marker
// (spancols.AttrKeyMarker) is the parameter at both placeholders, NULL when
// the span has no such attribute.
const attrValueSQL = "CASE WHEN contains(" + attrsColumn + ", ?) THEN " +
	"replace(replace(replace(split_part(split_part(" + attrsColumn + ", ?, 2), chr(31), 1), " +
	"chr(28) || '2', chr(31)), chr(28) || '1', chr(30)), chr(28) || '0', chr(28)) END"

// encodedCol is a VARCHAR column holding part of a span in an encoding
// (what, for errors): enc writes it, dec reads it back.
func encodedCol(name, what string, enc func(*sp) string, dec func(*sp, string) error) column[sp] {
	return column[sp]{name, "VARCHAR",
		func(r *sp) driver.Value { return enc(r) },
		func(r *sp) any { return encodedDest{r, name, what, dec} }}
}

type encodedDest struct {
	r    *sp
	name string
	what string
	dec  func(*sp, string) error
}

func (d encodedDest) Scan(src any) error {
	s, ok := src.(string)
	if !ok && src != nil {
		return fmt.Errorf("column %s: scanning %T as %s", d.name, src, d.what)
	}
	if err := d.dec(d.r, s); err != nil {
		return fmt.Errorf("column %s: %w", d.name, err)
	}
	return nil
}

// spanTable writes spans; request_hash (as in access_logs) makes a lookup
// by request id a scan of one 8-byte column.
var spanTable = appendTable[storage.Span]{
	name:       "spans",
	cols:       spanColumns,
	timeColumn: "start",
	timeOf:     func(r *sp) time.Time { return r.Start },
	derivedDDL: ",\n\t" + requestHashColumn + " UBIGINT NOT NULL",
	derived: func(r *sp, vals []driver.Value) []driver.Value {
		return append(vals, requestHash(r.RequestID))
	},
	distinct: true, // exact duplicates within a batch are dropped
}
