package hexdigit

import (
	"strconv"
	"testing"
)

func TestParseAgreesWithStrconv(t *testing.T) {
	for _, h := range []string{"0", "f", "F", "09aF", "ffffffffffffffff", "0000000000000001", "", "g", "12 3", "-1", "0x1", "1ffffffffffffffff", "a_b"} {
		got, ok := Parse(h)
		want, err := strconv.ParseUint(h, 16, 64)
		wantOK := err == nil && len(h) <= 16 && h != "" && h[0] != '+' && h[0] != '-'
		for i := 0; wantOK && i < len(h); i++ {
			_, wantOK = Value(h[i])
		}
		if ok != wantOK || ok && got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", h, got, ok, want, wantOK)
		}
		if g2, ok2 := Parse([]byte(h)); g2 != got || ok2 != ok {
			t.Errorf("Parse([]byte(%q)) differs from Parse(string)", h)
		}
	}
}

func TestValue(t *testing.T) {
	for c := 0; c < 256; c++ {
		v, ok := Value(byte(c))
		want, err := strconv.ParseUint(string(rune(c)), 16, 8)
		if ok != (err == nil) || ok && uint64(v) != want {
			t.Errorf("Value(%q) = %d, %v", rune(c), v, ok)
		}
	}
}
