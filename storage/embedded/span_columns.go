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
// are two parallel LIST(VARCHAR) columns and Events one JSON VARCHAR
// ("" when there are none). Each day table then has request_hash and
// row_hash.
var spanColumns = append(fieldColumns(storage.SpanFields),
	stringListCol("attr_keys", spancols.Keys, func(r *sp, l []string) error { spancols.SetAttrs(r, l, false); return nil }),
	stringListCol("attr_values", spancols.Values, func(r *sp, l []string) error { spancols.SetAttrs(r, l, true); return nil }),
	eventsCol("events"))

// eventsCol stores Events as spancols' JSON text, "" for none.
func eventsCol(name string) column[sp] {
	return column[sp]{name, "VARCHAR",
		func(r *sp) driver.Value { return spancols.EncodeEvents(r.Events) },
		func(r *sp) any { return eventsDest{r, name} }}
}

type eventsDest struct {
	r    *sp
	name string
}

func (d eventsDest) Scan(src any) error {
	s, ok := src.(string)
	if !ok && src != nil {
		return fmt.Errorf("column %s: scanning %T as JSON text", d.name, src)
	}
	evs, err := spancols.DecodeEvents(s)
	if err != nil {
		return fmt.Errorf("column %s: %w", d.name, err)
	}
	d.r.Events = evs
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
