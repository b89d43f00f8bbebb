package b3

import (
	"fmt"
	"net/http"
)

// Canonical header keys (textproto.CanonicalMIMEHeaderKey of the B3 names),
// so that the hot path indexes http.Header directly.
const (
	HeaderTraceID  = "X-B3-Traceid"
	HeaderSpanID   = "X-B3-Spanid"
	HeaderParentID = "X-B3-Parentspanid"
	HeaderSampled  = "X-B3-Sampled"
	HeaderFlags    = "X-B3-Flags"
	HeaderSingle   = "B3"
)

// Found says what Extract found in the headers.
type Found uint8

const (
	// None: no B3 header at all.
	None Found = iota
	// DecisionOnly: a sampling decision (or debug flag) without ids.
	DecisionOnly
	// Full: trace and span ids, and perhaps a decision.
	Full
)

// Extract reads the B3 context of a request, as Envoy's Zipkin tracer does:
// the single `b3` header when present, else the multi headers. Ids count
// only when both X-B3-TraceId and X-B3-SpanId are present; a sampling
// decision or debug flag alone is returned as DecisionOnly. A malformed
// value is an error naming the header (Envoy then does not trace the
// request).
func Extract(h http.Header) (Context, Found, error) {
	if v := first(h, HeaderSingle); v != "" {
		c, err := ParseSingle(v)
		if err != nil {
			return Context{}, None, fmt.Errorf("header b3: %w", err)
		}
		if c.Valid() {
			return c, Full, nil
		}
		return c, DecisionOnly, nil
	}
	return ParseMulti(first(h, HeaderTraceID), first(h, HeaderSpanID), first(h, HeaderParentID),
		first(h, HeaderSampled), first(h, HeaderFlags))
}

// ParseMulti parses the multi-header form from the five header values
// ("" for an absent header). See Extract for what is returned.
func ParseMulti(traceID, spanID, parentID, sampled, flags string) (Context, Found, error) {
	var c Context
	found := None
	var err error
	if sampled != "" {
		if c.Sampled, err = ParseSampled(sampled); err != nil {
			return Context{}, None, fmt.Errorf("header x-b3-sampled: %w", err)
		}
		found = DecisionOnly
	}
	switch flags {
	case "":
	case "1":
		c.Debug, c.Sampled, found = true, Accept, DecisionOnly
	case "0":
		found = DecisionOnly
	default:
		return Context{}, None, fmt.Errorf("header x-b3-flags: %w %q: want 0 or 1", ErrFlags, clip(flags))
	}
	if traceID == "" || spanID == "" {
		return c, found, nil
	}
	if c.TraceIDHigh, c.TraceID, err = parseTraceID(traceID); err != nil {
		return Context{}, None, fmt.Errorf("header x-b3-traceid: %w", err)
	}
	if c.SpanID, err = parseID(spanID, ErrSpanID); err != nil {
		return Context{}, None, fmt.Errorf("header x-b3-spanid: %w", err)
	}
	if parentID != "" {
		if c.ParentID, err = parseID(parentID, ErrParentID); err != nil {
			return Context{}, None, fmt.Errorf("header x-b3-parentspanid: %w", err)
		}
	}
	return c, Full, nil
}

// Inject writes c into h as multi headers, replacing any B3 headers h
// had: X-B3-TraceId, X-B3-SpanId, X-B3-ParentSpanId (removed for a root),
// X-B3-Sampled ("1" or "0", as Envoy always writes the decision; removed
// when Unset) and X-B3-Flags ("1" when debug, else removed). Keys are the
// canonical ones: h must be a canonical http.Header, as net/http builds. When single is true, the `b3` header is written
// too, with the same ids and decision ("d" when debug), so the two forms
// never disagree; otherwise any `b3` header is removed.
func Inject(h http.Header, c Context, single bool) {
	// One string holds every value and one array every []string: two
	// allocations per call instead of one per header.
	var buf [160]byte
	b := c.appendTraceID(buf[:0])
	tidEnd := len(b)
	b = AppendID(b, c.SpanID)
	sidEnd := len(b)
	if c.ParentID != 0 {
		b = AppendID(b, c.ParentID)
	}
	pidEnd := len(b)
	if single {
		b = AppendSingle(b, c)
	}
	all := string(b)
	vals := make([]string, 0, 6)
	set := func(key, v string) {
		vals = append(vals, v)
		h[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	set(HeaderTraceID, all[:tidEnd])
	set(HeaderSpanID, all[tidEnd:sidEnd])
	if c.ParentID != 0 {
		set(HeaderParentID, all[sidEnd:pidEnd])
	} else {
		delete(h, HeaderParentID)
	}
	switch {
	case c.Debug:
		set(HeaderSampled, "1") // as Envoy: the decision is always written
		set(HeaderFlags, "1")
	case c.Sampled == Accept:
		set(HeaderSampled, "1")
		delete(h, HeaderFlags)
	case c.Sampled == Deny:
		set(HeaderSampled, "0")
		delete(h, HeaderFlags)
	default:
		delete(h, HeaderSampled)
		delete(h, HeaderFlags)
	}
	if single {
		set(HeaderSingle, all[pidEnd:])
	} else {
		delete(h, HeaderSingle)
	}
}

// AppendSingle appends c in the single-header form.
func AppendSingle(b []byte, c Context) []byte {
	b = c.appendTraceID(b)
	b = append(b, '-')
	b = AppendID(b, c.SpanID)
	switch {
	case c.Debug:
		b = append(b, "-d"...)
	case c.Sampled == Accept:
		b = append(b, "-1"...)
	case c.Sampled == Deny:
		b = append(b, "-0"...)
	default:
		return b // a parent id cannot follow without a sampling state
	}
	if c.ParentID != 0 {
		b = append(b, '-')
		b = AppendID(b, c.ParentID)
	}
	return b
}

func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
