package storage

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSketchEncoding round-trips sketches through EncodeSketch and
// SketchBins and checks nearest-rank quantiles against exact ones.
func TestSketchEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 10, 1000} {
		var all []float64
		var sb SketchBins
		for part := range 3 {
			s := NewLatencySketch()
			for range n {
				v := r.ExpFloat64() * 20
				if part == 1 && r.IntN(10) == 0 {
					v = 0
				}
				all = append(all, v)
				_ = s.Add(v)
			}
			if err := sb.Merge(EncodeSketch(nil, s)); err != nil {
				t.Fatal(err)
			}
		}
		got := sb.Sketch()
		if int(got.GetCount()) != len(all) {
			t.Fatalf("n=%d: %v values, want %d", n, got.GetCount(), len(all))
		}
		slices.Sort(all)
		for _, q := range []float64{0.5, 0.9, 0.99} {
			want := 0.0
			if len(all) > 0 {
				want = all[max(int(math.Ceil(q*float64(len(all))))-1, 0)]
			}
			if v := SketchQuantile(got, q); math.Abs(v-want) > SketchRelativeAccuracy*want+1e-12 {
				t.Errorf("n=%d q%v = %v, exact %v", n, q, v, want)
			}
		}
	}
}

// FuzzSketchBins feeds arbitrary bytes to the decoder: it must not panic,
// and what it accepts must re-encode to an equal sketch.
func FuzzSketchBins(f *testing.F) {
	s := NewLatencySketch()
	for _, v := range []float64{0, 1, 2, 3.5, 1000} {
		_ = s.Add(v)
	}
	f.Add(EncodeSketch(nil, s))
	f.Add(EncodeSketch(nil, NewLatencySketch()))
	f.Add([]byte{1, 0, 200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var sb SketchBins
		if err := sb.Merge(b); err != nil {
			return
		}
		again := EncodeSketch(nil, sb.Sketch())
		var sb2 SketchBins
		if err := sb2.Merge(again); err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if sb.Sketch().GetCount() != sb2.Sketch().GetCount() {
			t.Fatal("re-encoding changed the count")
		}
	})
}
