package rowhash

import "testing"

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
