package jsonesc

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/meshlens/meshlens/internal/hexdigit"
)

// The reading side, for the hand-written JSON scanners (Zipkin spans,
// Istio's JSON access logs): what an escape inside a JSON string stands
// for, exactly as encoding/json reads it.

// Simple is the byte that the one-character escape `\e` stands for; ok is
// false for 'u' (see AppendUnicode) and for bytes that are no escape.
func Simple(e byte) (c byte, ok bool) {
	switch e {
	case '"', '\\', '/':
		return e, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// AppendUnicode reads the `\uXXXX` escape at the start of s and appends
// the rune it stands for to b, returning the bytes of s it used: 6, or 12
// when a high surrogate is followed by the `\uXXXX` of a low one and the
// two combine. A surrogate that does not combine is U+FFFD, and the escape
// after it is left to be read on its own. n is 0 when s does not start
// with `\u` and four hex digits.
func AppendUnicode[T string | []byte](b []byte, s T) (out []byte, n int) {
	r, ok := hex4(s)
	if !ok {
		return b, 0
	}
	if !utf16.IsSurrogate(r) {
		return utf8.AppendRune(b, r), 6
	}
	if r2, ok := hex4(s[6:]); ok {
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			return utf8.AppendRune(b, dec), 12
		}
	}
	return utf8.AppendRune(b, utf8.RuneError), 6
}

// hex4 reads `\uXXXX` at the start of s.
func hex4[T string | []byte](s T) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	v, ok := hexdigit.Parse(s[2:6])
	return rune(v), ok
}
