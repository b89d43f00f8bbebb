// Package hexdigit reads hexadecimal digits, for the hand-written parsers
// of ids and escapes on hot paths (B3 headers, Zipkin JSON).
package hexdigit

// Value is the value of hex digit c (either case), and whether c is one.
func Value(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Parse decodes 1–16 hex digits of either case, as
// strconv.ParseUint(h, 16, 64) does for such a length (no sign, prefix or
// underscores), without making h a string; ok is false for any other h.
func Parse[T string | []byte](h T) (v uint64, ok bool) {
	if len(h) == 0 || len(h) > 16 {
		return 0, false
	}
	for i := 0; i < len(h); i++ {
		d, ok := Value(h[i])
		if !ok {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}
