// Package tracefmt holds what the trace query APIs (query/jaegerapi,
// query/zipkinapi) share about reading storage spans back out: hex trace
// and span ids, and the typed span columns restored as the tags producers
// sent.
package tracefmt

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/meshlens/meshlens/storage"
)

// ErrTraceID is wrapped by every ParseTraceID error.
var ErrTraceID = errors.New("malformed trace id")

// ParseTraceID reads a 16 (64-bit) or 32 (128-bit) character hex trace id,
// either case. A 32-character id whose high half is zero is the same trace
// as its 16-character low half, as B3 defines. The all-zero id is invalid.
func ParseTraceID(s string) (storage.TraceID, error) {
	var id storage.TraceID
	var err error
	switch len(s) {
	case 16:
		id.Low, err = strconv.ParseUint(s, 16, 64)
	case 32:
		id.High, err = strconv.ParseUint(s[:16], 16, 64)
		if err == nil {
			id.Low, err = strconv.ParseUint(s[16:], 16, 64)
		}
	default:
		return id, fmt.Errorf("%w %s: want 16 or 32 hex characters, got %d", ErrTraceID, quote(s), len(s))
	}
	// ParseUint accepts a leading "+" and underscores only with base 0, so a
	// nil error means every character was a hex digit.
	if err != nil {
		return storage.TraceID{}, fmt.Errorf("%w %s: not hexadecimal", ErrTraceID, quote(s))
	}
	if id == (storage.TraceID{}) {
		return id, fmt.Errorf("%w %s: all zeros", ErrTraceID, quote(s))
	}
	return id, nil
}

// quote shows at most 40 bytes of untrusted input in an error message.
func quote(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}

// TraceIDString is the lower-hex id: 16 characters when High is zero
// (a 64-bit B3 id, as Zipkin and Jaeger v1 print it), else 32.
func TraceIDString(id storage.TraceID) string {
	if id.High == 0 {
		return SpanIDString(id.Low)
	}
	var b [32]byte
	putHex(b[:16], id.High)
	putHex(b[16:], id.Low)
	return string(b[:])
}

// TraceIDString32 is the 32-character lower-hex id, as W3C and OTLP print it.
func TraceIDString32(id storage.TraceID) string {
	var b [32]byte
	putHex(b[:16], id.High)
	putHex(b[16:], id.Low)
	return string(b[:])
}

// SpanIDString is the 16-character lower-hex span id.
func SpanIDString(id uint64) string {
	var b [16]byte
	putHex(b[:], id)
	return string(b[:])
}

const hexDigits = "0123456789abcdef"

// putHex writes v as len(dst) (16) zero-padded lower-hex digits.
func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = hexDigits[v&0xf]
		v >>= 4
	}
}
