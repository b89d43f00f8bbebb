package zipkinspans

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/meshlens/meshlens/internal/hexdigit"
	"github.com/meshlens/meshlens/internal/jsonesc"
)

// scanner reads JSON tokens from data, one value at a time, with exactly
// encoding/json's rules for what is valid and what a string decodes to.
// It never recurses: the schema walk in decode.go asks for each token it
// expects and gives up on the first one that does not fit, so nesting in
// an unexpected place is refused at its first byte.
type scanner struct {
	data []byte
	pos  int
	// buf holds the last string that needed unescaping; a string
	// returned from it is valid only until the next call of str.
	buf []byte
}

// errEOF reports input that ends inside a value.
var errEOF = errors.New("unexpected end of input")

// syntaxError reports a byte that cannot start or continue the expected
// JSON token, with its offset in the body.
type syntaxError struct {
	what string // e.g. "in string escape", "after object key"
	c    byte
	off  int
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid character %q %s at offset %d", e.c, e.what, e.off)
}

// fail returns a syntax error at the current byte, or errEOF at the end.
func (s *scanner) fail(what string) error {
	if s.pos >= len(s.data) {
		return errEOF
	}
	return &syntaxError{what: what, c: s.data[s.pos], off: s.pos}
}

// byteClass marks the bytes the hot loops look for.
var byteClass = func() (t [256]uint8) {
	for _, c := range " \t\n\r" {
		t[c] |= classSpace
	}
	for c := 0x20; c < utf8.RuneSelf; c++ {
		if c != '"' && c != '\\' {
			t[c] |= classPlain
		}
	}
	return t
}()

const (
	classSpace = 1 << iota // JSON whitespace
	classPlain             // ASCII that stands for itself in a string
)

// skipWS moves past JSON whitespace: space, tab, newline and return.
func (s *scanner) skipWS() {
	i, data := s.pos, s.data
	for i < len(data) && byteClass[data[i]]&classSpace != 0 {
		i++
	}
	s.pos = i
}

// peek returns the byte at the current position, or 0 at the end (0 is
// never valid JSON outside a string, so callers treat it as a mismatch).
func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// kindOf names the JSON type a value starting with c has, for errors.
func kindOf(c byte) string {
	switch c {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a bool"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return ""
}

// typeError reports a value of the wrong JSON type (or a syntax error if
// the value does not even start validly).
func (s *scanner) typeError(want string) error {
	got := kindOf(s.peek())
	if got == "" {
		return s.fail("at start of value")
	}
	return fmt.Errorf("want %s, got %s", want, got)
}

// literal consumes lit (true, false or null), which starts at pos.
func (s *scanner) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if s.pos >= len(s.data) {
			return errEOF
		}
		if s.data[s.pos] != lit[i] {
			return s.fail("in literal " + lit)
		}
		s.pos++
	}
	return nil
}

// boolean reads true, false or null; null reports isNull.
func (s *scanner) boolean() (v, isNull bool, err error) {
	switch s.peek() {
	case 't':
		return true, false, s.literal("true")
	case 'f':
		return false, false, s.literal("false")
	case 'n':
		return false, true, s.literal("null")
	}
	return false, false, s.typeError("a bool")
}

// integer reads a number or null. Only JSON integer syntax within the
// range of int64 is a valid value, as encoding/json's strconv.ParseInt
// into an int64 field: "-0" is 0, while 1.5, 1e3 and 10000000000000000000
// are errors (of type, not syntax, in encoding/json; both reject).
func (s *scanner) integer() (v int64, isNull bool, err error) {
	c := s.peek()
	if c == 'n' {
		return 0, true, s.literal("null")
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, false, s.typeError("an integer")
	}
	neg := c == '-'
	if neg {
		s.pos++
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	start := s.pos
	var u uint64
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if c < '0' || c > '9' {
				break
			}
			d := uint64(c - '0')
			if u > (limit-d)/10 {
				return 0, false, fmt.Errorf("number at offset %d: out of the range of a 64-bit integer", start)
			}
			u = u*10 + d
			s.pos++
		}
	default:
		return 0, false, s.fail("in number")
	}
	switch s.peek() {
	case '.', 'e', 'E':
		return 0, false, fmt.Errorf("number at offset %d: want an integer", start)
	}
	if neg {
		return -int64(u), false, nil // u ≤ 1<<63: -int64(1<<63) wraps to MinInt64
	}
	return int64(u), false, nil
}

// str reads a JSON string starting at its opening quote and returns its
// decoded bytes, as encoding/json decodes a string: escapes resolved,
// \u surrogate pairs combined, lone surrogates and each byte of invalid
// UTF-8 replaced by U+FFFD; a control character (< 0x20) is an error.
// The result aliases data when no byte needed changing (valid until data
// changes) and s.buf otherwise (valid until the next call of str).
func (s *scanner) str() ([]byte, error) {
	data := s.data
	start := s.pos + 1
	i := start
	for i+8 <= len(data) && !special8(binary.LittleEndian.Uint64(data[i:])) {
		i += 8
	}
	for i < len(data) {
		c := data[i]
		if byteClass[c]&classPlain != 0 {
			i++
			continue
		}
		if c == '"' {
			s.pos = i + 1
			return data[start:i], nil
		}
		if c < utf8.RuneSelf { // a backslash or a control character
			break
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return s.strSlow(start, i)
}

// special8 reports whether any of the 8 bytes in x is not plain ASCII: a
// quote, a backslash, a control character or a byte ≥ 0x80 (the "has a
// zero byte" and "has a byte less than n" tricks, exact as to whether).
func special8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ '"'*ones
	bs := x ^ '\\'*ones
	lt := (x - 0x20*ones) &^ x
	return (x|lt|(q-ones)&^q|(bs-ones)&^bs)&highs != 0
}

// strSlow finishes str from i, where the string (which began at start)
// first needs a change, decoding into s.buf.
func (s *scanner) strSlow(start, i int) ([]byte, error) {
	data := s.data
	buf := append(s.buf[:0], data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.buf = buf
			return buf, nil
		case c < 0x20:
			s.pos = i
			return nil, s.fail("in string")
		case c == '\\':
			if i+1 >= len(data) {
				return nil, errEOF
			}
			if u, ok := jsonesc.Simple(data[i+1]); ok {
				buf = append(buf, u)
			} else if data[i+1] == 'u' {
				var n int
				if buf, n = jsonesc.AppendUnicode(buf, data[i:]); n == 0 {
					s.pos = i + 2
					for k := 0; k < 4 && s.pos < len(data) && isHex(data[s.pos]); k++ {
						s.pos++
					}
					return nil, s.fail(`in \u escape`)
				}
				i += n
				continue
			} else {
				s.pos = i + 1
				return nil, s.fail("in string escape")
			}
			i += 2
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, data[i:i+n]...)
			}
			i += n
		}
	}
	s.buf = buf
	return nil, errEOF
}

func isHex(c byte) bool {
	_, ok := hexdigit.Value(c)
	return ok
}

// stringOrNull reads a string or null; null reports isNull.
func (s *scanner) stringOrNull() (b []byte, isNull bool, err error) {
	switch s.peek() {
	case '"':
		b, err = s.str()
		return b, false, err
	case 'n':
		return nil, true, s.literal("null")
	}
	return nil, false, s.typeError("a string")
}

// open consumes the opening brace or bracket c, or null (isNull); any
// other value is an error naming want.
func (s *scanner) open(c byte, want string) (isNull bool, err error) {
	switch s.peek() {
	case c:
		s.pos++
		return false, nil
	case 'n':
		return true, s.literal("null")
	}
	return false, s.typeError(want)
}

// member moves to the next member of an object whose '{' has been
// consumed (first tells whether any member has been read), reads its key
// and the colon after it, and leaves pos at the member's value. more is
// false when the object has ended. The key is only valid until the next
// call of str.
func (s *scanner) member(first bool) (key []byte, more bool, err error) {
	s.skipWS()
	switch c := s.peek(); {
	case c == '}':
		s.pos++
		return nil, false, nil
	case first:
	case c == ',':
		s.pos++
		s.skipWS()
	default:
		return nil, false, s.fail("after object value")
	}
	if s.peek() != '"' {
		return nil, false, s.fail("looking for the start of an object key")
	}
	if key, err = s.str(); err != nil {
		return nil, false, err
	}
	s.skipWS()
	if s.peek() != ':' {
		return nil, false, s.fail("after object key")
	}
	s.pos++
	s.skipWS()
	return key, true, nil
}

// element moves to the next element of a list whose '[' has been
// consumed (first tells whether any element has been read), leaving pos
// at the element. more is false when the list has ended.
func (s *scanner) element(first bool) (more bool, err error) {
	s.skipWS()
	switch c := s.peek(); {
	case c == ']':
		s.pos++
		return false, nil
	case first:
	case c == ',':
		s.pos++
		s.skipWS()
		if s.peek() == ']' {
			return false, s.fail("at start of value")
		}
	default:
		return false, s.fail("after list element")
	}
	return true, nil
}
