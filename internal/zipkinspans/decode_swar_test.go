package zipkinspans

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestSpecial8 checks the word-at-a-time test of str against the byte
// table, on every byte value in every position and on random words.
func TestSpecial8(t *testing.T) {
	check := func(b []byte) {
		want := false
		for _, c := range b {
			want = want || byteClass[c]&classPlain == 0
		}
		if got := special8(binary.LittleEndian.Uint64(b)); got != want {
			t.Fatalf("special8(% x) = %v, want %v", b, got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			check(b)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 8)
	for range 200000 {
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(2) == 0 {
				b[i] = byte(0x20 + r.IntN(0x60))
			}
		}
		check(b)
	}
}
