package zipkinapi

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/meshlens/meshlens/internal/jsonesc"
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
		b = jsonesc.AppendQuoted(b, kv.Key, true)
		b = append(b, ':')
		b = jsonesc.AppendQuoted(b, kv.Value, true)
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
