package remotewrite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// Protobuf wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5
)

var (
	errVarintOverflow = errors.New("proto: integer overflow")
	errBadLength      = errors.New("proto: negative length found during unmarshaling")
)

// wireReader reads protobuf wire format with the same acceptance rules as
// gogo-generated Unmarshal methods (see wirev1.go for why it exists).
type wireReader struct {
	b []byte
	i int
}

func (r *wireReader) more() bool { return r.i < len(r.b) }

// varint reads a base-128 varint; like gogo, it gives up after 64 bits of
// shift and drops bits beyond 64.
func (r *wireReader) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= 64 {
			return 0, errVarintOverflow
		}
		if r.i >= len(r.b) {
			return 0, io.ErrUnexpectedEOF
		}
		c := r.b[r.i]
		r.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

// tag reads a field tag of a message called msg; field numbers must be
// positive and end-group tags stand alone only inside skipped groups.
func (r *wireReader) tag(msg string) (field int32, wireType int, err error) {
	t, err := r.varint()
	if err != nil {
		return 0, 0, err
	}
	field, wireType = int32(t>>3), int(t&7)
	if wireType == wireEndGroup {
		return 0, 0, fmt.Errorf("proto: %s: wiretype end group for non-group", msg)
	}
	if field <= 0 {
		return 0, 0, fmt.Errorf("proto: %s: illegal tag %d (wire type %d)", msg, field, t)
	}
	return field, wireType, nil
}

// expect checks a known field's wire type.
func expect(field string, got, want int) error {
	if got != want {
		return fmt.Errorf("proto: wrong wireType = %d for field %s", got, field)
	}
	return nil
}

// bytes reads a length-delimited field; the result aliases the input.
func (r *wireReader) bytes() ([]byte, error) {
	n, err := r.varint()
	if err != nil {
		return nil, err
	}
	if int64(n) < 0 {
		return nil, errBadLength
	}
	if n > uint64(len(r.b)-r.i) {
		return nil, io.ErrUnexpectedEOF
	}
	b := r.b[r.i : r.i+int(n) : r.i+int(n)]
	r.i += int(n)
	return b, nil
}

// string reads a length-delimited field as a string that aliases the
// input, which therefore must never change afterwards.
func (r *wireReader) string() (string, error) {
	b, err := r.bytes()
	if err != nil || len(b) == 0 {
		return "", err
	}
	return unsafe.String(&b[0], len(b)), nil
}

func (r *wireReader) fixed64() (uint64, error) {
	if len(r.b)-r.i < 8 {
		return 0, io.ErrUnexpectedEOF
	}
	v := binary.LittleEndian.Uint64(r.b[r.i:])
	r.i += 8
	return v, nil
}

// skip steps over the value of an unknown field whose tag was just read,
// nested groups included, as gogo's skip functions do.
func (r *wireReader) skip(wireType int) error {
	depth := 0
	for {
		switch wireType {
		case wireVarint:
			if _, err := r.varint(); err != nil {
				return err
			}
		case wireFixed64:
			if len(r.b)-r.i < 8 {
				return io.ErrUnexpectedEOF
			}
			r.i += 8
		case wireBytes:
			if _, err := r.bytes(); err != nil {
				return err
			}
		case wireStartGroup:
			depth++
		case wireEndGroup:
			if depth == 0 {
				return errors.New("proto: unexpected end of group")
			}
			depth--
		case wireFixed32:
			if len(r.b)-r.i < 4 {
				return io.ErrUnexpectedEOF
			}
			r.i += 4
		default:
			return fmt.Errorf("proto: illegal wireType %d", wireType)
		}
		if depth == 0 {
			return nil
		}
		t, err := r.varint()
		if err != nil {
			return err
		}
		wireType = int(t & 7)
	}
}
