// Package b3 reads and writes Zipkin's B3 propagation headers, as Envoy's
// Zipkin tracer does: the multi-header form (X-B3-TraceId, X-B3-SpanId,
// X-B3-ParentSpanId, X-B3-Sampled, X-B3-Flags) and the single `b3` header
// ({traceid}-{spanid}-{sampled}-{parentspanid}), with 64- and 128-bit trace
// ids. Header values come from the network: the parsers accept exactly the
// forms the B3 specification (github.com/openzipkin/b3-propagation) allows and
// never panic.
package b3

// Sampling is a propagated sampling decision.
type Sampling uint8

const (
	// Unset means the caller made no decision; the receiver decides.
	Unset Sampling = iota
	// Accept means the trace is sampled (reported).
	Accept
	// Deny means the trace is not sampled; ids are still propagated.
	Deny
)

// Context is one span's propagated context.
//
// A zero TraceIDHigh means a 64-bit trace id, written as 16 hex digits;
// otherwise the id is 128 bits, written as 32. ParentID is 0 for a root
// span. Debug implies Accept (B3's "d" / X-B3-Flags: 1).
type Context struct {
	TraceIDHigh uint64
	TraceID     uint64
	SpanID      uint64
	ParentID    uint64
	Sampled     Sampling
	Debug       bool
}

// Valid reports whether c carries ids (a trace id and a span id, both
// non-zero), as opposed to only a sampling decision.
func (c Context) Valid() bool {
	return (c.TraceID != 0 || c.TraceIDHigh != 0) && c.SpanID != 0
}

// IsSampled reports whether the trace is to be reported: an explicit
// accept, or debug.
func (c Context) IsSampled() bool { return c.Debug || c.Sampled == Accept }

// TraceIDString renders the trace id as B3 writes it: 16 lower-case hex
// digits for a 64-bit id, 32 for a 128-bit one.
func (c Context) TraceIDString() string {
	var b [32]byte
	return string(c.appendTraceID(b[:0]))
}

func (c Context) appendTraceID(b []byte) []byte {
	if c.TraceIDHigh != 0 {
		b = AppendID(b, c.TraceIDHigh)
	}
	return AppendID(b, c.TraceID)
}

// AppendID appends id as 16 lower-case hex digits.
func AppendID(b []byte, id uint64) []byte {
	const hex = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hex[(id>>uint(shift))&0xf])
	}
	return b
}

// IDString renders a span id as 16 lower-case hex digits.
func IDString(id uint64) string {
	var b [16]byte
	return string(AppendID(b[:0], id))
}
