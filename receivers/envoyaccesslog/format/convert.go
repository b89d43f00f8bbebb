package format

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// problem says why a value was refused. Messages are built only when an
// error is reported, so a layout that fails to match costs no formatting.
type problem uint8

const (
	noProblem problem = iota
	probNotNumber
	probOutOfRange
	probNotWhole
	probNotMillis
	probMillisRange
	probCodeRange
	probFlags
	probToken
	probPath
	probTime
	probEmpty
)

// describe renders a problem with the value it concerns.
func (p problem) describe(v string, tf *timeFormat) string {
	q := quote(v)
	switch p {
	case probNotNumber:
		return q + " is not a number"
	case probOutOfRange:
		return q + " is out of range"
	case probNotWhole:
		return q + " is not a whole number in range"
	case probNotMillis:
		return q + " is not a number of milliseconds"
	case probMillisRange:
		return q + " ms is out of range"
	case probCodeRange:
		return q + " is out of range for a response code"
	case probFlags:
		return q + " is not a list of response flags (like UH or UF,URX)"
	case probToken:
		return q + " has a space or a quote, which this field never holds"
	case probPath:
		return q + " has a space, which a request path never holds"
	case probTime:
		if tf == nil {
			return q + " is not an RFC 3339 time"
		}
		return q + " does not match time format " + quote(tf.spec)
	case probEmpty:
		return `empty value (Envoy writes "-" for none)`
	}
	return q + " is invalid"
}

// set stores one operator's value v into r. null says Envoy logged "no
// value" ("-" in text, null or "-" in JSON); text and JSON decide that
// differently, so the caller does. num says v is a JSON number, which for a
// count may be written as a double ("1e3"); elsewhere counts are digits.
func set(r *storage.AccessLog, f field, v string, null, num bool, tf *timeFormat) problem {
	switch kinds[f] {
	case kindTime:
		if null {
			r.Start = time.Time{}
			return noProblem
		}
		t, ok := tf.parse(v)
		if !ok {
			return probTime
		}
		r.Start = t
	case kindCode:
		if null {
			r.ResponseCode = 0
			return noProblem
		}
		n, p := parseCount(v, num)
		if p == noProblem && n > math.MaxInt32 {
			p = probCodeRange
		}
		if p != noProblem {
			return p
		}
		r.ResponseCode = int32(n)
	case kindCount:
		n, p := int64(0), noProblem
		if !null {
			if n, p = parseCount(v, num); p != noProblem {
				return p
			}
		}
		*intField(r, f) = n
	case kindMillis:
		us, p := int64(-1), noProblem
		if !null {
			if us, p = parseMillis(v); p != noProblem {
				return p
			}
		}
		*intField(r, f) = us
	case kindFlags:
		if !null && !validFlags(v) {
			return probFlags
		}
		setString(r, f, v, null)
	case kindToken:
		if !null && (strings.IndexByte(v, ' ') >= 0 || strings.IndexByte(v, '"') >= 0) {
			return probToken
		}
		setString(r, f, v, null)
	case kindPath:
		if !null && strings.IndexByte(v, ' ') >= 0 {
			return probPath
		}
		setString(r, f, v, null)
	case kindText:
		setString(r, f, v, null)
	case kindTrace:
		if !null {
			v = traceIDOf(v)
		}
		setString(r, f, v, null)
	}
	return noProblem
}

func setString(r *storage.AccessLog, f field, v string, null bool) {
	if null {
		v = ""
	}
	*stringField(r, f) = v
}

// parseCount parses a non-negative integer: digits as Envoy prints them, or,
// for a typed JSON number (num), which may be a double, a decimal number
// with no fraction.
func parseCount(s string, num bool) (int64, problem) {
	if n, ok := parseDigits(s); ok {
		return n, noProblem
	}
	if s != "" && allDigits(s) {
		return 0, probOutOfRange // digits, but too many
	}
	if f, ok := parseDecimal(s); ok && num {
		if f != math.Trunc(f) || f >= 1<<63 {
			return 0, probNotWhole
		}
		return int64(f), noProblem
	}
	return 0, probNotNumber
}

// parseMillis parses a duration in milliseconds (digits, or a decimal with
// a fraction) and returns microseconds.
func parseMillis(s string) (int64, problem) {
	if n, ok := parseDigits(s); ok {
		if n > math.MaxInt64/1000 {
			return 0, probMillisRange
		}
		return n * 1000, noProblem
	}
	f, ok := parseDecimal(s)
	if !ok {
		return 0, probNotMillis
	}
	us := math.Round(f * 1000)
	if us >= 1<<63 {
		return 0, probMillisRange
	}
	return int64(us), noProblem
}

// parseDigits parses 1-19 ASCII digits without overflow.
func parseDigits(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := int64(s[i]) - '0'
		if c < 0 || c > 9 || n > (math.MaxInt64-c)/10 {
			return 0, false
		}
		n = n*10 + c
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDecimal parses a non-negative number in JSON's number grammar
// (digits, optional fraction and exponent; no sign, no hex, no inf/NaN,
// which strconv.ParseFloat would otherwise accept).
func parseDecimal(s string) (float64, bool) {
	if len(s) == 0 || s[0] == '-' || numberEnd(s, 0) != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// validFlags reports whether s is a comma-separated list of upper-case
// response flags. Unknown upper-case flags are accepted, since Envoy adds
// flags over time.
func validFlags(s string) bool {
	if s == "" {
		return false
	}
	prev := byte(',')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
		case c == ',' && prev != ',':
		default:
			return false
		}
		prev = c
	}
	return prev != ','
}

// traceIDOf returns the trace id of a W3C traceparent
// ("00-<32 hex>-<16 hex>-<2 hex>"), or v itself when it is not one, so that
// nothing is dropped.
func traceIDOf(v string) string {
	if len(v) == 55 && v[2] == '-' && v[35] == '-' && v[52] == '-' {
		return v[3:35]
	}
	return v
}
