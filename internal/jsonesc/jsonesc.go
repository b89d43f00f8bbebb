// Package jsonesc appends strings as JSON exactly as encoding/json writes
// them, without reflection or allocation: for hand-written encoders on hot
// paths (the proxy's access logs and spans, the Zipkin API's tags).
package jsonesc

import "unicode/utf8"

// AppendQuoted appends s as a JSON string exactly as encoding/json
// writes it (with escapeHTML as json.Marshal has it on): short escapes
// for \b \f \n \r \t, \u00XX for other control bytes, U+2028 and U+2029
// escaped, and invalid UTF-8 replaced by U+FFFD.
func AppendQuoted(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	b = AppendEscaped(b, s, escapeHTML)
	return append(b, '"')
}

// AppendEscaped is AppendQuoted without the quotes.
func AppendEscaped(b []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	safe := &jsonSafe
	if escapeHTML {
		safe = &jsonHTMLSafe
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// jsonSafe and jsonHTMLSafe say which ASCII bytes AppendQuoted copies
// as they are.
var jsonSafe, jsonHTMLSafe = func() (plain, html [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}()
