package b3

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/internal/hexdigit"
)

// Errors the parsers return, wrapped with the offending header.
var (
	// ErrTraceID says a trace id is not 16 or 32 hex digits, or is zero.
	ErrTraceID = errors.New("invalid trace id")
	// ErrSpanID says a span id is not 16 hex digits, or is zero.
	ErrSpanID = errors.New("invalid span id")
	// ErrParentID says a parent span id is not 16 hex digits, or is zero.
	ErrParentID = errors.New("invalid parent span id")
	// ErrSampled says a sampling state is not one B3 defines.
	ErrSampled = errors.New("invalid sampling state")
	// ErrFlags says X-B3-Flags is not "0" or "1".
	ErrFlags = errors.New("invalid flags")
	// ErrSingle says a `b3` header does not have 1, 2, 3 or 4 fields.
	ErrSingle = errors.New("invalid b3 header")
)

// ParseSingle parses the single `b3` header:
//
//	{sampled}                                 a decision only: "0", "1" or "d"
//	{traceid}-{spanid}
//	{traceid}-{spanid}-{sampled}
//	{traceid}-{spanid}-{sampled}-{parentspanid}
//
// The trace id is 16 or 32 hex digits, span ids 16; hex digits may be of
// either case (Envoy accepts both). All-zero ids are invalid.
func ParseSingle(v string) (Context, error) {
	var c Context
	if len(v) == 1 {
		s, err := parseSingleSampled(v)
		c.Sampled, c.Debug = s, v == "d"
		return c, err
	}
	var fields [4]string
	n := 0
	for start := 0; ; {
		i := indexByte(v, start, '-')
		if n == len(fields) {
			return Context{}, fmt.Errorf("%w: more than 4 fields", ErrSingle)
		}
		if i < 0 {
			fields[n] = v[start:]
			n++
			break
		}
		fields[n] = v[start:i]
		n++
		start = i + 1
	}
	if n < 2 {
		return Context{}, fmt.Errorf("%w: want {traceid}-{spanid}[-{sampled}[-{parentspanid}]]", ErrSingle)
	}
	var err error
	if c.TraceIDHigh, c.TraceID, err = parseTraceID(fields[0]); err != nil {
		return Context{}, err
	}
	if c.SpanID, err = parseID(fields[1], ErrSpanID); err != nil {
		return Context{}, err
	}
	if n >= 3 {
		if c.Sampled, err = parseSingleSampled(fields[2]); err != nil {
			return Context{}, err
		}
		c.Debug = fields[2] == "d"
	}
	if n == 4 {
		if c.ParentID, err = parseID(fields[3], ErrParentID); err != nil {
			return Context{}, err
		}
	}
	return c, nil
}

func parseSingleSampled(s string) (Sampling, error) {
	switch s {
	case "1", "d":
		return Accept, nil
	case "0":
		return Deny, nil
	}
	return Unset, fmt.Errorf("%w %q: want 0, 1 or d", ErrSampled, clip(s))
}

// ParseSampled parses X-B3-Sampled: "1" or "true" accept, "0" or "false"
// deny (Envoy accepts the boolean words that older B3 clients send).
func ParseSampled(s string) (Sampling, error) {
	switch s {
	case "1", "true":
		return Accept, nil
	case "0", "false":
		return Deny, nil
	}
	return Unset, fmt.Errorf("%w %q: want 0, 1, true or false", ErrSampled, clip(s))
}

// parseTraceID parses 16 or 32 hex digits into (high, low).
func parseTraceID(s string) (hi, lo uint64, err error) {
	switch len(s) {
	case 16:
		lo, ok := hexdigit.Parse(s)
		if !ok || lo == 0 {
			return 0, 0, fmt.Errorf("%w %q: want 16 or 32 non-zero hex digits", ErrTraceID, clip(s))
		}
		return 0, lo, nil
	case 32:
		hi, ok1 := hexdigit.Parse(s[:16])
		lo, ok2 := hexdigit.Parse(s[16:])
		if !ok1 || !ok2 || hi == 0 && lo == 0 {
			return 0, 0, fmt.Errorf("%w %q: want 16 or 32 non-zero hex digits", ErrTraceID, clip(s))
		}
		return hi, lo, nil
	}
	return 0, 0, fmt.Errorf("%w %q: want 16 or 32 non-zero hex digits", ErrTraceID, clip(s))
}

// parseID parses a span id: exactly 16 hex digits, not all zero.
func parseID(s string, kind error) (uint64, error) {
	if len(s) == 16 {
		if id, ok := hexdigit.Parse(s); ok && id != 0 {
			return id, nil
		}
	}
	return 0, fmt.Errorf("%w %q: want 16 non-zero hex digits", kind, clip(s))
}

// indexByte is strings.IndexByte from an offset, returning an absolute
// index or -1.
func indexByte(s string, from int, c byte) int {
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}

// clip keeps error messages short whatever the header holds.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
