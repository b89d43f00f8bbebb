package embedded

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

type sp = storage.Span

// spanColumns is the spans schema, one typed column per storage.Span field
// (trace id as two UBIGINTs, start TIMESTAMPTZ µs, duration in µs); Attrs
// are two parallel LIST(VARCHAR) columns and Events one JSON VARCHAR
// ("" when there are none). Each day table then has request_hash and
// row_hash.
var spanColumns = append(fieldColumns(storage.SpanFields),
	stringListCol("attr_keys", attrKeys, setAttrKeys),
	stringListCol("attr_values", attrValues, setAttrValues),
	eventsCol("events"))

func attrKeys(r *sp) []string {
	out := make([]string, len(r.Attrs))
	for i, kv := range r.Attrs {
		out[i] = kv.Key
	}
	return out
}

func attrValues(r *sp) []string {
	out := make([]string, len(r.Attrs))
	for i, kv := range r.Attrs {
		out[i] = kv.Value
	}
	return out
}

// setAttrKeys and setAttrValues fill Attrs from the two list columns, in
// either scan order.
func setAttrKeys(r *sp, keys []string) error {
	if len(r.Attrs) != len(keys) {
		r.Attrs = make([]storage.KeyValue, len(keys))
	}
	for i, k := range keys {
		r.Attrs[i].Key = k
	}
	if len(keys) == 0 {
		r.Attrs = nil
	}
	return nil
}

func setAttrValues(r *sp, vals []string) error {
	if len(r.Attrs) != len(vals) {
		r.Attrs = make([]storage.KeyValue, len(vals))
	}
	for i, v := range vals {
		r.Attrs[i].Value = v
	}
	if len(vals) == 0 {
		r.Attrs = nil
	}
	return nil
}

// eventJSON is one stored span event: time in µs since the epoch, so that
// it reads back in UTC like the TIMESTAMPTZ columns.
type eventJSON struct {
	TimeUS int64       `json:"t"`
	Name   string      `json:"n"`
	Attrs  [][2]string `json:"a,omitempty"`
}

// eventsCol stores Events as a JSON array of eventJSON, "" for none.
func eventsCol(name string) column[sp] {
	return column[sp]{name, "VARCHAR",
		func(r *sp) driver.Value {
			if len(r.Events) == 0 {
				return ""
			}
			evs := make([]eventJSON, len(r.Events))
			for i, e := range r.Events {
				evs[i] = eventJSON{TimeUS: e.Time.UnixMicro(), Name: e.Name}
				for _, kv := range e.Attrs {
					evs[i].Attrs = append(evs[i].Attrs, [2]string{kv.Key, kv.Value})
				}
			}
			b, _ := json.Marshal(evs) // strings and ints only: cannot fail
			return string(b)
		},
		func(r *sp) any { return eventsDest{r, name} }}
}

type eventsDest struct {
	r    *sp
	name string
}

func (d eventsDest) Scan(src any) error {
	d.r.Events = nil
	s, ok := src.(string)
	if !ok && src != nil {
		return fmt.Errorf("column %s: scanning %T as JSON text", d.name, src)
	}
	if s == "" {
		return nil
	}
	var evs []eventJSON
	if err := json.Unmarshal([]byte(s), &evs); err != nil {
		return fmt.Errorf("column %s: %w", d.name, err)
	}
	d.r.Events = make([]storage.SpanEvent, len(evs))
	for i, e := range evs {
		ev := storage.SpanEvent{Time: time.UnixMicro(e.TimeUS).UTC(), Name: e.Name}
		for _, kv := range e.Attrs {
			ev.Attrs = append(ev.Attrs, storage.KeyValue{Key: kv[0], Value: kv[1]})
		}
		d.r.Events[i] = ev
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
}
