// Package spancols is how the SQL backends store the parts of a
// storage.Span that have no column of their own: Attrs as two parallel
// string lists (keys and values) and Events as one JSON text. Both
// backends use it, so a span reads back the same from either.
package spancols

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Keys returns the attribute keys of s, in order; a new slice.
func Keys(s *storage.Span) []string {
	out := make([]string, len(s.Attrs))
	for i, kv := range s.Attrs {
		out[i] = kv.Key
	}
	return out
}

// Values returns the attribute values of s, in the order of Keys; a new
// slice.
func Values(s *storage.Span) []string {
	out := make([]string, len(s.Attrs))
	for i, kv := range s.Attrs {
		out[i] = kv.Value
	}
	return out
}

// SetAttrs fills the keys (values false) or the values (values true) of
// s.Attrs from one stored list. The two lists may be set in either order;
// an empty list leaves Attrs nil.
func SetAttrs(s *storage.Span, list []string, values bool) {
	if len(list) == 0 {
		s.Attrs = nil
		return
	}
	if len(s.Attrs) != len(list) {
		s.Attrs = make([]storage.KeyValue, len(list))
	}
	for i, v := range list {
		if values {
			s.Attrs[i].Value = v
		} else {
			s.Attrs[i].Key = v
		}
	}
}

// event is one stored span event: time in µs since the epoch, so that it
// reads back in UTC.
type event struct {
	TimeUS int64       `json:"t"`
	Name   string      `json:"n"`
	Attrs  [][2]string `json:"a,omitempty"`
}

// EncodeEvents renders events as a JSON array, or "" when there are none.
func EncodeEvents(events []storage.SpanEvent) string {
	if len(events) == 0 {
		return ""
	}
	evs := make([]event, len(events))
	for i, e := range events {
		evs[i] = event{TimeUS: e.Time.UnixMicro(), Name: e.Name}
		for _, kv := range e.Attrs {
			evs[i].Attrs = append(evs[i].Attrs, [2]string{kv.Key, kv.Value})
		}
	}
	b, _ := json.Marshal(evs) // strings and ints only: cannot fail
	return string(b)
}

// DecodeEvents parses what EncodeEvents wrote; "" is no events (nil).
func DecodeEvents(s string) ([]storage.SpanEvent, error) {
	if s == "" {
		return nil, nil
	}
	var evs []event
	if err := json.Unmarshal([]byte(s), &evs); err != nil {
		return nil, fmt.Errorf("span events: %w", err)
	}
	out := make([]storage.SpanEvent, len(evs))
	for i, e := range evs {
		ev := storage.SpanEvent{Time: time.UnixMicro(e.TimeUS).UTC(), Name: e.Name}
		for _, kv := range e.Attrs {
			ev.Attrs = append(ev.Attrs, storage.KeyValue{Key: kv[0], Value: kv[1]})
		}
		out[i] = ev
	}
	return out, nil
}
