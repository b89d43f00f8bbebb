package spancols

import (
	"reflect"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

func kvs(pairs ...string) []storage.KeyValue {
	var out []storage.KeyValue
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, storage.KeyValue{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func TestAttrTextRoundTrip(t *testing.T) {
	for _, attrs := range [][]storage.KeyValue{
		nil,
		kvs("", ""),
		kvs("http.method", "GET", "guid:x-request-id", "d709b78f", "empty", ""),
		kvs("a\x1fb", "c\x1ed", "\x1c0", "\x1c\x1c2\x1f\x1e", "k", "ünïcødé"),
	} {
		text := EncodeAttrs(attrs)
		got, err := DecodeAttrs(text)
		if err != nil || !reflect.DeepEqual(got, attrs) {
			t.Errorf("%q: decoded %q, %v; want %q", text, got, err, attrs)
		}
		for _, kv := range attrs {
			if !strings.Contains(text, AttrPair(kv.Key, kv.Value)) {
				t.Errorf("%q lacks the pair %q=%q", text, kv.Key, kv.Value)
			}
		}
	}
}

// TestAttrPairExact checks that a pair matches only whole keys and whole
// values, whatever the bytes in them.
func TestAttrPairExact(t *testing.T) {
	text := EncodeAttrs(kvs("ab", "cd", "x\x1f", "y\x1e", "k", ""))
	for _, tc := range []struct {
		k, v string
		want bool
	}{
		{"ab", "cd", true}, {"b", "cd", false}, {"ab", "c", false}, {"ab", "cde", false},
		{"x\x1f", "y\x1e", true}, {"x", "y", false}, {"k", "", true}, {"k", "v", false}, {"cd", "x", false},
	} {
		if got := strings.Contains(text, AttrPair(tc.k, tc.v)); got != tc.want {
			t.Errorf("pair %q=%q: %v, want %v", tc.k, tc.v, got, tc.want)
		}
	}
}

func TestDecodeAttrsRejects(t *testing.T) {
	for _, s := range []string{"x", "\x1f", "\x1fk\x1f", "\x1fk\x1ev\x1ew\x1f", "\x1fk\x1ev"} {
		if got, err := DecodeAttrs(s); err == nil {
			t.Errorf("DecodeAttrs(%q) = %q, want an error", s, got)
		}
	}
}

// FuzzAttrText checks that any keys and values round-trip, and that
// decoding any text never panics.
func FuzzAttrText(f *testing.F) {
	f.Add("k", "v", "\x1f\x1e\x1c", "\x1c1")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		attrs := kvs(k1, v1, k2, v2)
		got, err := DecodeAttrs(EncodeAttrs(attrs))
		if err != nil || !reflect.DeepEqual(got, attrs) {
			t.Fatalf("decoded %q, %v; want %q", got, err, attrs)
		}
		_, _ = DecodeAttrs(k1 + v1)
	})
}
