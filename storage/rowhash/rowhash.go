// Package rowhash identifies a stored row by a hash of its column values,
// the same way in every backend: writes use it to recognise an exact
// replay of rows already stored.
package rowhash

import (
	"fmt"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Of is xxhash64 over column values, each tagged by its type and
// length-delimited, so that shifting bytes between columns changes it.
// Values are strings, []byte, int64, int32, uint64, uint8, bool, []string
// (or a []any of strings, which hashes as the same []string)
// or time.Time (hashed at microsecond precision); any other type is a
// programming error and panics.
func Of[V any](vals []V) uint64 {
	// The tagged bytes go to one buffer and xxhash runs once over it: the
	// same hash as writing them to a Digest piece by piece, without the
	// Digest's per-call overhead (about 45 calls for a span).
	var stack [4096]byte
	buf := stack[:0]
	num := func(tag byte, v uint64) {
		buf = append(buf, tag, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
	}
	str := func(s string) {
		num('s', uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, val := range vals {
		switch v := any(val).(type) {
		case string:
			str(v)
		case []byte:
			num('b', uint64(len(v)))
			buf = append(buf, v...)
		case int64:
			num('i', uint64(v))
		case int32:
			num('i', uint64(v))
		case uint64:
			num('u', v)
		case uint8:
			num('B', uint64(v))
		case bool:
			if v {
				num('B', 1)
			} else {
				num('B', 0)
			}
		case []string:
			num('l', uint64(len(v)))
			for _, e := range v {
				str(e)
			}
		case []any: // a list of strings as the Appender takes it; hashes as []string
			num('l', uint64(len(v)))
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					panic(fmt.Sprintf("rowhash: unhandled list element type %T", e))
				}
				str(s)
			}
		case time.Time:
			num('t', uint64(v.UnixMicro()))
		default:
			panic(fmt.Sprintf("rowhash: unhandled column type %T", v))
		}
	}
	return xxhash.Sum64(buf)
}
