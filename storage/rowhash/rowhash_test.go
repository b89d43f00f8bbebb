package rowhash

import (
	"strings"
	"testing"
	"time"
)

// TestListForms checks that a list of strings hashes the same as []string
// and as []any (the form the DuckDB Appender takes), so rows written
// either way recognise each other as replays, and that list boundaries
// count.
func TestListForms(t *testing.T) {
	a := Of([]any{"x", []string{"k1", "k2"}, int64(1)})
	b := Of([]any{"x", []any{"k1", "k2"}, int64(1)})
	if a != b {
		t.Errorf("[]string hashes to %x, []any of the same strings to %x", a, b)
	}
	if c := Of([]any{"x", []any{"k1k2"}, int64(1)}); c == a {
		t.Errorf("joining two list elements kept the hash %x", c)
	}
}

// TestStableHashes pins hashes written by earlier versions: stored
// row_hash values must keep matching, or replays of rows stored before an
// upgrade would be stored twice.
func TestStableHashes(t *testing.T) {
	cases := []struct {
		row  []any
		want uint64
	}{
		{[]any{"reviews", int64(-7), int32(503), uint64(1 << 63), uint8(3), true, false, []byte("raw\x00"),
			[]string{"k1", "k2"}, []any{"v1", ""}, time.Unix(1700000000, 123456789).UTC(), ""}, 0x6f79f98c2fea2dcb},
		{[]any{}, 0xef46db3751d8e999},
		{[]any{"ü'\"\x00x", []string{}, []any{}}, 0xb07f2ce044a527ea},
	}
	for i, c := range cases {
		if got := Of(c.row); got != c.want {
			t.Errorf("row %d: hash %#016x, stored rows have %#016x", i, got, c.want)
		}
	}
	long := []any{strings.Repeat("x", 5000)} // beyond the stack buffer
	if Of(long) == Of([]any{strings.Repeat("x", 4999)}) {
		t.Error("a long value and a shorter one hash alike")
	}
}

// BenchmarkOf measures hashing a span-like row: 20 strings, a few numbers
// and two lists of 12.
func BenchmarkOf(b *testing.B) {
	row := []any{}
	for i := range 20 {
		row = append(row, strings.Repeat("v", i*3))
	}
	row = append(row, int64(1), int32(200), uint64(7), time.Now())
	keys, vals := make([]any, 12), make([]any, 12)
	for i := range keys {
		keys[i], vals[i] = "http.key."+strings.Repeat("k", i), strings.Repeat("v", 2*i)
	}
	row = append(row, keys, vals)
	b.ReportAllocs()
	for b.Loop() {
		Of(row)
	}
}
