package spancols

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// The attribute text is how the embedded backend stores a span's Attrs:
// one string instead of two string lists, because DuckDB's Appender costs
// about as much per list element as per column (on Envoy spans, the two
// lists were two thirds of the insert). For each attribute, in order, it
// holds AttrSep, the escaped key, ValueSep and the escaped value, then a
// closing AttrSep; no attributes is "". Escaping turns each escByte,
// ValueSep and AttrSep byte inside a key or value into escByte followed
// by '0', '1' or '2', so the separators only ever separate, and
// AttrPair(k, v) is a substring of the text exactly when some attribute
// is k=v.
const (
	AttrSep  = '\x1f' // ASCII unit separator
	ValueSep = '\x1e' // ASCII record separator
	escByte  = '\x1c' // ASCII file separator
)

var (
	escaper   = strings.NewReplacer(string(escByte), string(escByte)+"0", string(ValueSep), string(escByte)+"1", string(AttrSep), string(escByte)+"2")
	unescaper = strings.NewReplacer(string(escByte)+"0", string(escByte), string(escByte)+"1", string(ValueSep), string(escByte)+"2", string(AttrSep))
)

func escape(s string) string {
	if strings.IndexByte(s, escByte) < 0 && strings.IndexByte(s, ValueSep) < 0 && strings.IndexByte(s, AttrSep) < 0 {
		return s
	}
	return escaper.Replace(s)
}

// EncodeAttrs renders attrs as attribute text.
func EncodeAttrs(attrs []storage.KeyValue) string {
	if len(attrs) == 0 {
		return ""
	}
	n := 1
	for _, kv := range attrs {
		n += len(kv.Key) + len(kv.Value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for _, kv := range attrs {
		b.WriteByte(AttrSep)
		b.WriteString(escape(kv.Key))
		b.WriteByte(ValueSep)
		b.WriteString(escape(kv.Value))
	}
	b.WriteByte(AttrSep)
	return b.String()
}

// AttrPair is the attribute text of key=value, separators included: a
// substring of EncodeAttrs(attrs) exactly when attrs holds key=value.
func AttrPair(key, value string) string {
	return string(AttrSep) + escape(key) + string(ValueSep) + escape(value) + string(AttrSep)
}

// AttrKeyMarker is what precedes the value of key in attribute text.
func AttrKeyMarker(key string) string {
	return string(AttrSep) + escape(key) + string(ValueSep)
}

// DecodeAttrs parses attribute text; "" is no attributes (nil).
func DecodeAttrs(s string) ([]storage.KeyValue, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) < 2 || s[0] != AttrSep || s[len(s)-1] != AttrSep {
		return nil, errors.New("span attributes: not attribute text")
	}
	parts := strings.Split(s[1:len(s)-1], string(AttrSep))
	out := make([]storage.KeyValue, len(parts))
	for i, p := range parts {
		k, v, ok := strings.Cut(p, string(ValueSep))
		if !ok || strings.IndexByte(v, ValueSep) >= 0 {
			return nil, fmt.Errorf("span attributes: attribute %d: want one key and one value", i)
		}
		out[i] = storage.KeyValue{Key: unescaper.Replace(k), Value: unescaper.Replace(v)}
	}
	return out, nil
}
