package zipkinapi

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/meshlens/meshlens/storage"
)

// Tags is a span's tags sorted by key, each key once. It is written as the
// JSON object Zipkin expects, byte for byte what encoding/json writes for
// the same map[string]string, without a map's hashing and key sorting on
// every encode.
type Tags []storage.KeyValue

// newTags sorts kvs by key in place and drops later repeats of a key; nil
// when empty, so that the field is omitted.
func newTags(kvs []storage.KeyValue) Tags {
	slices.SortStableFunc(kvs, func(a, b storage.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	kvs = slices.CompactFunc(kvs, func(a, b storage.KeyValue) bool { return a.Key == b.Key })
	if len(kvs) == 0 {
		return nil
	}
	return Tags(kvs)
}

// MarshalJSON writes {"key":"value",…}.
func (t Tags) MarshalJSON() ([]byte, error) {
	n := 2
	for _, kv := range t {
		n += len(kv.Key) + len(kv.Value) + 6
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, kv := range t {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, kv.Key)
		b = append(b, ':')
		b = appendString(b, kv.Value)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads a JSON object of strings, for clients of this type.
func (t *Tags) UnmarshalJSON(data []byte) error {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	kvs := make([]storage.KeyValue, 0, len(m))
	for k, v := range m {
		kvs = append(kvs, storage.KeyValue{Key: k, Value: v})
	}
	*t = newTags(kvs)
	return nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped as encoding/json escapes
// it: quotes, backslashes and control characters, <, > and & (HTML-safe),
// U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
