package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// SketchRelativeAccuracy is the relative accuracy of every rollup latency
// sketch: a quantile read from it (SketchQuantile) is within 1% of the
// exact nearest-rank value of the durations added to it.
const SketchRelativeAccuracy = 0.01

// sketchMapping is shared by every sketch so that encoded sketches omit it
// and any two sketches merge.
var sketchMapping = func() mapping.IndexMapping {
	m, err := mapping.NewLogarithmicMapping(SketchRelativeAccuracy)
	if err != nil {
		panic(err)
	}
	return m
}()

// NewLatencySketch returns an empty latency sketch (milliseconds, values
// >= 0) with the rollups' mapping. Sketches are not safe for concurrent
// use.
func NewLatencySketch() *ddsketch.DDSketch {
	return ddsketch.NewDDSketchFromStoreProvider(sketchMapping, store.DenseStoreConstructor)
}

// sketchVersion is the first byte of an encoded sketch.
const sketchVersion = 1

// maxSketchSpan bounds the index range of a decoded or merged sketch:
// the rollups' mapping covers 1e-9 to 1e12 ms in about 2,800 bins.
const maxSketchSpan = 1 << 14

// EncodeSketch appends the compact encoding of s's bins to b: a version
// byte, the zero count, then the bins of the positive store as one dense
// run (uvarint length, varint first index, uvarint counts). Counts are
// rounded to integers (rollups count requests). Negative values, which
// durations never have, are not encoded.
func EncodeSketch(b []byte, s *ddsketch.DDSketch) []byte {
	b = append(b, sketchVersion)
	b = binary.AppendUvarint(b, uint64(math.Round(s.GetZeroCount())))
	pos := s.GetPositiveValueStore()
	lo, err1 := pos.MinIndex()
	hi, err2 := pos.MaxIndex()
	if pos.IsEmpty() || err1 != nil || err2 != nil {
		return binary.AppendUvarint(b, 0)
	}
	n := hi - lo + 1
	counts := make([]uint64, n)
	pos.ForEach(func(i int, c float64) bool {
		counts[i-lo] += uint64(math.Round(c))
		return false
	})
	b = binary.AppendUvarint(b, uint64(n))
	b = binary.AppendVarint(b, int64(lo))
	for _, c := range counts {
		b = binary.AppendUvarint(b, c)
	}
	return b
}

// SketchBins accumulates encoded sketches cheaply (a dense array of
// counts), for readers that merge many of them; Sketch turns the total
// into a DDSketch. The zero value is empty and ready.
type SketchBins struct {
	zero   uint64
	lo     int // index of counts[0]
	counts []uint64
}

var errBadSketch = errors.New("malformed latency sketch")

// Merge adds one EncodeSketch encoding. A malformed encoding is an error
// and leaves b unchanged.
func (sb *SketchBins) Merge(enc []byte) error {
	if len(enc) == 0 || enc[0] != sketchVersion {
		return fmt.Errorf("%w: bad version", errBadSketch)
	}
	p := enc[1:]
	zero, k := binary.Uvarint(p)
	if k <= 0 {
		return fmt.Errorf("%w: zero count", errBadSketch)
	}
	p = p[k:]
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)) || n > maxSketchSpan {
		return fmt.Errorf("%w: bin count", errBadSketch)
	}
	p = p[k:]
	if n == 0 {
		if len(p) != 0 {
			return fmt.Errorf("%w: trailing bytes", errBadSketch)
		}
		sb.zero += zero
		return nil
	}
	lo64, k := binary.Varint(p)
	if k <= 0 || lo64 < -maxSketchSpan || lo64 > maxSketchSpan {
		return fmt.Errorf("%w: first index", errBadSketch)
	}
	p = p[k:]
	lo, hi := int(lo64), int(lo64)+int(n)-1
	// Validate before touching sb.
	q := p
	for range n {
		if _, k := binary.Uvarint(q); k <= 0 {
			return fmt.Errorf("%w: counts", errBadSketch)
		} else {
			q = q[k:]
		}
	}
	if len(q) != 0 {
		return fmt.Errorf("%w: trailing bytes", errBadSketch)
	}
	sb.extend(lo, hi)
	off := lo - sb.lo
	for i := range int(n) {
		c, k := binary.Uvarint(p)
		p = p[k:]
		sb.counts[off+i] += c
	}
	sb.zero += zero
	return nil
}

// extend makes counts cover [lo, hi].
func (sb *SketchBins) extend(lo, hi int) {
	if len(sb.counts) == 0 {
		sb.lo, sb.counts = lo, make([]uint64, hi-lo+1)
		return
	}
	curHi := sb.lo + len(sb.counts) - 1
	newLo, newHi := min(lo, sb.lo), max(hi, curHi)
	if newLo == sb.lo && newHi == curHi {
		return
	}
	c := make([]uint64, newHi-newLo+1)
	copy(c[sb.lo-newLo:], sb.counts)
	sb.lo, sb.counts = newLo, c
}

// Sketch returns a new DDSketch holding the accumulated counts.
func (sb *SketchBins) Sketch() *ddsketch.DDSketch {
	pos := store.NewDenseStore()
	for i, c := range sb.counts {
		if c > 0 {
			pos.AddWithCount(sb.lo+i, float64(c))
		}
	}
	s := ddsketch.NewDDSketch(sketchMapping, pos, store.NewDenseStore())
	if sb.zero > 0 {
		// Values below the smallest indexable one count as zero.
		_ = s.AddWithCount(0, float64(sb.zero))
	}
	return s
}

// MergeEncodedSketch decodes an EncodeSketch encoding and adds its counts
// into s. A malformed encoding is an error and leaves s unchanged.
func MergeEncodedSketch(s *ddsketch.DDSketch, enc []byte) error {
	var sb SketchBins
	if err := sb.Merge(enc); err != nil {
		return err
	}
	if err := s.MergeWith(sb.Sketch()); err != nil {
		return fmt.Errorf("merging latency sketch: %w", err)
	}
	return nil
}

// SketchQuantile is the nearest-rank q-quantile of the values in s (the
// value at 1-based rank ceil(q·n)), within SketchRelativeAccuracy of the
// exact one; 0 for an empty sketch. Unlike ddsketch's own
// GetValueAtQuantile (rank q·(n−1)), it uses the same rank as exact
// nearest-rank percentiles, so the two are comparable.
func SketchQuantile(s *ddsketch.DDSketch, q float64) float64 {
	n := s.GetCount()
	if n <= 0 {
		return 0
	}
	rank := math.Max(math.Ceil(q*n-1e-9)-1, 0) // 0-based
	if rank < s.GetZeroCount() {
		return 0
	}
	pos := s.GetPositiveValueStore()
	if pos.IsEmpty() {
		return 0
	}
	return s.IndexMapping.Value(pos.KeyAtRank(rank - s.GetZeroCount()))
}
