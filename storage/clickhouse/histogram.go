package clickhouse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/prometheus/prometheus/model/histogram"
)

// histogramVersion is the first byte of an encoded histogram.
const histogramVersion = 1

// encodeHistogram is the samples.h encoding of a native histogram: a
// version byte, the counter-reset hint, the schema, the zero bucket, count
// and sum (IEEE bits, so NaN and the staleness marker survive), then spans,
// buckets and custom bucket bounds, each list length-prefixed.
func encodeHistogram(fh *histogram.FloatHistogram) string {
	b := make([]byte, 0, 64+8*(len(fh.PositiveBuckets)+len(fh.NegativeBuckets)+len(fh.CustomValues)))
	b = append(b, histogramVersion, byte(fh.CounterResetHint))
	b = binary.AppendVarint(b, int64(fh.Schema))
	for _, f := range []float64{fh.ZeroThreshold, fh.ZeroCount, fh.Count, fh.Sum} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	spans := func(ss []histogram.Span) {
		b = binary.AppendUvarint(b, uint64(len(ss)))
		for _, s := range ss {
			b = binary.AppendVarint(b, int64(s.Offset))
			b = binary.AppendUvarint(b, uint64(s.Length))
		}
	}
	floats := func(fs []float64) {
		b = binary.AppendUvarint(b, uint64(len(fs)))
		for _, f := range fs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
	}
	spans(fh.PositiveSpans)
	spans(fh.NegativeSpans)
	floats(fh.PositiveBuckets)
	floats(fh.NegativeBuckets)
	floats(fh.CustomValues)
	return string(b)
}

var errShortHistogram = errors.New("truncated or non-canonical histogram encoding")

// decodeHistogram reverses encodeHistogram.
func decodeHistogram(s string) (*histogram.FloatHistogram, error) {
	b := []byte(s)
	if len(b) < 2 || b[0] != histogramVersion {
		return nil, fmt.Errorf("histogram encoding version %v: want %d", b[:min(1, len(b))], histogramVersion)
	}
	fh := &histogram.FloatHistogram{CounterResetHint: histogram.CounterResetHint(b[1])}
	b = b[2:]
	varint := func() (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 || len(binary.AppendVarint(nil, v)) != n { // short, or not the canonical encoding
			return 0, errShortHistogram
		}
		b = b[n:]
		return v, nil
	}
	uvarint := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		// A length can never exceed the encoding; and only the canonical
		// encoding is accepted, so that a value has one stored form.
		if n <= 0 || v > uint64(len(s)) || len(binary.AppendUvarint(nil, v)) != n {
			return 0, errShortHistogram
		}
		b = b[n:]
		return v, nil
	}
	float := func() (float64, error) {
		if len(b) < 8 {
			return 0, errShortHistogram
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		b = b[8:]
		return f, nil
	}
	schema, err := varint()
	if err != nil {
		return nil, err
	}
	fh.Schema = int32(schema)
	for _, p := range []*float64{&fh.ZeroThreshold, &fh.ZeroCount, &fh.Count, &fh.Sum} {
		if *p, err = float(); err != nil {
			return nil, err
		}
	}
	spans := func() ([]histogram.Span, error) {
		n, err := uvarint()
		if err != nil || n == 0 {
			return nil, err
		}
		out := make([]histogram.Span, n)
		for i := range out {
			off, err := varint()
			if err != nil {
				return nil, err
			}
			l, err := uvarint()
			if err != nil {
				return nil, err
			}
			out[i] = histogram.Span{Offset: int32(off), Length: uint32(l)}
		}
		return out, nil
	}
	floats := func() ([]float64, error) {
		n, err := uvarint()
		if err != nil || n == 0 {
			return nil, err
		}
		out := make([]float64, n)
		for i := range out {
			if out[i], err = float(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if fh.PositiveSpans, err = spans(); err != nil {
		return nil, err
	}
	if fh.NegativeSpans, err = spans(); err != nil {
		return nil, err
	}
	if fh.PositiveBuckets, err = floats(); err != nil {
		return nil, err
	}
	if fh.NegativeBuckets, err = floats(); err != nil {
		return nil, err
	}
	if fh.CustomValues, err = floats(); err != nil {
		return nil, err
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("histogram encoding has %d trailing bytes", len(b))
	}
	return fh, nil
}
