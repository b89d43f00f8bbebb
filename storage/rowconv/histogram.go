package rowconv

import (
	"fmt"
	"math"

	"github.com/prometheus/prometheus/model/labels"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

// familyNames are the series names a classic histogram or summary family
// expands to, built once per metric rather than once per point.
type familyNames struct{ bucket, sum, count string }

func newFamilyNames(name string) familyNames {
	return familyNames{bucket: name + "_bucket", sum: name + "_sum", count: name + "_count"}
}

// appendHistograms expands cumulative explicit-bucket histogram points into
// name_bucket{le=…} (cumulative), name_sum and name_count.
func (c *Converter) appendHistograms(dst []storage.Sample, name string, pts pmetric.HistogramDataPointSlice) []storage.Sample {
	names := newFamilyNames(name)
	for i := range pts.Len() {
		p := pts.At(i)
		stale := p.Flags().NoRecordedValue()
		bounds, counts := p.ExplicitBounds(), p.BucketCounts()
		if reason := checkBuckets(bounds, counts.Len(), stale); reason != "" {
			c.skipPoint(reason)
			continue
		}
		c.ls.setPoint(p.Attributes())
		t := toMillis(p.Timestamp())
		if counts.Len() > 0 || (stale && bounds.Len() > 0) {
			var cum uint64
			for j := range bounds.Len() {
				if !stale {
					cum += counts.At(j)
				}
				b := bounds.At(j)
				if math.IsInf(b, +1) {
					continue // folded into the +Inf bucket below
				}
				dst = append(dst, storage.Sample{Labels: c.ls.series(names.bucket, labels.BucketLabel, c.floats.format(b)), T: t, V: pointValue(stale, float64(cum))})
			}
			if !stale {
				cum += counts.At(counts.Len() - 1)
			}
			dst = append(dst, storage.Sample{Labels: c.ls.series(names.bucket, labels.BucketLabel, "+Inf"), T: t, V: pointValue(stale, float64(cum))})
		}
		if p.HasSum() {
			dst = append(dst, storage.Sample{Labels: c.ls.series(names.sum, "", ""), T: t, V: pointValue(stale, p.Sum())})
		}
		dst = append(dst, storage.Sample{Labels: c.ls.series(names.count, "", ""), T: t, V: pointValue(stale, float64(p.Count()))})
	}
	return dst
}

// checkBuckets returns why a histogram point's buckets are malformed, or "".
// Stale points need no counts: only their bounds name the series.
func checkBuckets(bounds pcommon.Float64Slice, nCounts int, stale bool) string {
	nBounds := bounds.Len()
	if !stale && nCounts != 0 && nCounts != nBounds+1 {
		return fmt.Sprintf("%d bucket counts for %d explicit bounds (want bounds+1)", nCounts, nBounds)
	}
	if !stale && nCounts == 0 && nBounds != 0 {
		return fmt.Sprintf("no bucket counts for %d explicit bounds", nBounds)
	}
	for j := 1; j < nBounds; j++ {
		if !(bounds.At(j-1) < bounds.At(j)) { // also catches NaN
			return fmt.Sprintf("explicit bounds not strictly increasing at index %d (%v, %v)", j, bounds.At(j-1), bounds.At(j))
		}
	}
	if nBounds == 1 && math.IsNaN(bounds.At(0)) {
		return "explicit bound is NaN"
	}
	return ""
}
