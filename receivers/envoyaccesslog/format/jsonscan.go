package format

import (
	"strings"

	"github.com/meshlens/meshlens/internal/jsonesc"
)

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonString jsonKind = iota
	jsonNumber
	jsonTrue
	jsonFalse
	jsonNull
	jsonObject
	jsonArray
)

var jsonKindNames = [...]string{"a string", "a number", "true", "false", "null", "an object", "an array"}

// jsonValue is one member value of the top-level object. For strings, str
// is the decoded text; for numbers, the number as written; for true/false,
// "true"/"false". Nested objects and arrays are validated and skipped.
type jsonValue struct {
	kind jsonKind
	str  string
	at   int // byte offset of the value
}

// maxJSONDepth bounds the nesting of skipped values (encoding/json allows
// 10000; an access-log line has none).
const maxJSONDepth = 512

// jsonScanner walks a one-line JSON object member by member, without
// building a map and without copying strings that need no unescaping. It is
// strict RFC 8259 (the line must also be valid UTF-8, checked before), and
// decodes escapes as encoding/json does, lone surrogates included.
type jsonScanner struct {
	layout string // for errors
	s      string
	pos    int
	first  bool
	stack  []byte // open brackets of the value being skipped
}

func (sc *jsonScanner) fail(at int, msg string) error {
	return &lineError{layout: sc.layout, at: at, msg: "invalid JSON: " + msg, syntax: true}
}

func (sc *jsonScanner) ws() {
	for sc.pos < len(sc.s) {
		switch sc.s[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

// begin consumes the opening brace.
func (sc *jsonScanner) begin() error {
	sc.ws()
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != '{' {
		return sc.fail(sc.pos, "the line is not a JSON object")
	}
	sc.pos++
	sc.first = true
	return nil
}

// next returns the next member; ok is false after the closing brace, which
// must end the line (white space aside).
func (sc *jsonScanner) next() (key string, v jsonValue, ok bool, err error) {
	sc.ws()
	if sc.pos >= len(sc.s) {
		return "", v, false, sc.fail(sc.pos, "the object is not closed")
	}
	if sc.s[sc.pos] == '}' {
		sc.pos++
		sc.ws()
		if sc.pos != len(sc.s) {
			return "", v, false, sc.fail(sc.pos, "text after the object")
		}
		return "", v, false, nil
	}
	if !sc.first {
		if sc.s[sc.pos] != ',' {
			return "", v, false, sc.fail(sc.pos, "expected ',' or '}' after a member")
		}
		sc.pos++
		sc.ws()
	}
	sc.first = false
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != '"' {
		return "", v, false, sc.fail(sc.pos, "expected a string key")
	}
	if key, err = sc.str(); err != nil {
		return "", v, false, err
	}
	sc.ws()
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != ':' {
		return "", v, false, sc.fail(sc.pos, "expected ':' after key "+quote(key))
	}
	sc.pos++
	sc.ws()
	v, err = sc.value()
	return key, v, err == nil, err
}

// value reads one value at pos.
func (sc *jsonScanner) value() (jsonValue, error) {
	v := jsonValue{at: sc.pos}
	if sc.pos >= len(sc.s) {
		return v, sc.fail(sc.pos, "expected a value")
	}
	switch c := sc.s[sc.pos]; {
	case c == '"':
		s, err := sc.str()
		v.kind, v.str = jsonString, s
		return v, err
	case c == '-' || c >= '0' && c <= '9':
		end := numberEnd(sc.s, sc.pos)
		if end < 0 {
			return v, sc.fail(sc.pos, "malformed number")
		}
		v.kind, v.str = jsonNumber, sc.s[sc.pos:end]
		sc.pos = end
		return v, nil
	case c == '{' || c == '[':
		v.kind = jsonObject
		if c == '[' {
			v.kind = jsonArray
		}
		return v, sc.skipNested()
	}
	for _, lit := range [...]struct {
		text string
		kind jsonKind
	}{{"true", jsonTrue}, {"false", jsonFalse}, {"null", jsonNull}} {
		if strings.HasPrefix(sc.s[sc.pos:], lit.text) {
			sc.pos += len(lit.text)
			v.kind, v.str = lit.kind, lit.text
			return v, nil
		}
	}
	return v, sc.fail(sc.pos, "expected a value")
}

// skipNested validates and skips an object or array, iteratively so that
// deep nesting cannot exhaust the stack.
func (sc *jsonScanner) skipNested() error {
	sc.stack = sc.stack[:0]
	expectValue := false // inside an array/object, after ',' or ':'
	for {
		sc.ws()
		if sc.pos >= len(sc.s) {
			return sc.fail(sc.pos, "unterminated object or array")
		}
		c := sc.s[sc.pos]
		switch {
		case c == '{' || c == '[':
			if len(sc.stack) >= maxJSONDepth {
				return sc.fail(sc.pos, "nesting too deep")
			}
			sc.stack = append(sc.stack, c)
			sc.pos++
			sc.ws()
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if sc.pos < len(sc.s) && sc.s[sc.pos] == closer {
				sc.pos++
				sc.stack = sc.stack[:len(sc.stack)-1]
				break
			}
			if c == '{' {
				if err := sc.memberKey(); err != nil {
					return err
				}
			}
			expectValue = true
			continue
		default:
			if !expectValue {
				return sc.fail(sc.pos, "expected a value")
			}
			if _, err := sc.value(); err != nil {
				return err
			}
		}
		// after a complete value: ',' or the closer of the innermost bracket
		for {
			if len(sc.stack) == 0 {
				return nil
			}
			sc.ws()
			if sc.pos >= len(sc.s) {
				return sc.fail(sc.pos, "unterminated object or array")
			}
			top := sc.stack[len(sc.stack)-1]
			c := sc.s[sc.pos]
			if c == ',' {
				sc.pos++
				if top == '{' {
					sc.ws()
					if err := sc.memberKey(); err != nil {
						return err
					}
				}
				expectValue = true
				break
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				sc.pos++
				sc.stack = sc.stack[:len(sc.stack)-1]
				continue
			}
			return sc.fail(sc.pos, "expected ',' or a closing bracket")
		}
	}
}

// memberKey reads `"key" :` inside a skipped object.
func (sc *jsonScanner) memberKey() error {
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != '"' {
		return sc.fail(sc.pos, "expected a string key")
	}
	if _, err := sc.str(); err != nil {
		return err
	}
	sc.ws()
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != ':' {
		return sc.fail(sc.pos, "expected ':' after a key")
	}
	sc.pos++
	return nil
}

// strStop marks the bytes that end the fast scan of a string body.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str reads a string at pos (which holds the opening quote). Strings without
// escapes are returned as substrings of the line, without copying.
func (sc *jsonScanner) str() (string, error) {
	start := sc.pos + 1
	i := start
	for i < len(sc.s) && !strStop[sc.s[i]] {
		i++
	}
	if i < len(sc.s) && sc.s[i] == '"' {
		sc.pos = i + 1
		return sc.s[start:i], nil
	}
	return sc.strSlow(start, i)
}

// strSlow decodes a string with escapes, from start, with s[start:i]
// already known to be plain.
func (sc *jsonScanner) strSlow(start, i int) (string, error) {
	b := make([]byte, 0, i-start+16)
	b = append(b, sc.s[start:i]...)
	for {
		if i >= len(sc.s) {
			return "", sc.fail(start-1, "unterminated string")
		}
		c := sc.s[i]
		switch {
		case c == '"':
			sc.pos = i + 1
			return string(b), nil
		case c < 0x20:
			return "", sc.fail(i, "control character in a string")
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(sc.s) {
			return "", sc.fail(i, "unterminated escape")
		}
		e := sc.s[i+1]
		if u, ok := jsonesc.Simple(e); ok {
			b = append(b, u)
		} else if e == 'u' {
			var n int
			if b, n = jsonesc.AppendUnicode(b, sc.s[i:]); n == 0 {
				return "", sc.fail(i, "malformed \\u escape")
			}
			i += n
			continue
		} else {
			return "", sc.fail(i, "invalid escape \\"+string(rune(e)))
		}
		i += 2
	}
}

// numberEnd returns the end of the JSON number starting at s[i], or -1 when
// s[i:] does not start with one.
func numberEnd(s string, i int) int {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return -1
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return -1
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i
}
