package scrape

import (
	"math"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// role is the part a series plays in a classic histogram or summary.
type role uint8

const (
	roleNone     role = iota // a series of its own: emitted as a Gauge or Sum
	roleBucket               // name_bucket{le=...}
	roleQuantile             // name{quantile=...}
	roleSum                  // name_sum
	roleCount                // name_count
)

// shape caches how a series fits a family of a given name and type, so that
// steady scrapes do not re-derive it.
type shape struct {
	family string
	typ    model.MetricType
	valid  bool

	role      role
	bound     float64 // le or quantile
	canonical bool    // the bound label reads back exactly as FormatOpenMetricsFloat writes it
	groupHash uint64  // labels without __name__ and le/quantile
	// groupedWith is the first series of the group this one was last
	// checked to belong to; the check need not be repeated for it.
	groupedWith *series
}

// boundLabel is the label that tells a histogram's or summary's series
// apart, "" for other types.
func boundLabel(typ model.MetricType) string {
	switch typ {
	case model.MetricTypeHistogram:
		return model.BucketLabel
	case model.MetricTypeSummary:
		return model.QuantileLabel
	}
	return ""
}

// shapeFor returns s's role in family (of type typ), computing it once.
func (s *series) shapeFor(family string, typ model.MetricType, buf *[]byte) *shape {
	sh := &s.shape
	if sh.valid && sh.typ == typ && sh.family == family {
		return sh
	}
	*sh = shape{family: family, typ: typ, valid: true}
	bl := boundLabel(typ)
	if bl == "" {
		return sh
	}
	suffix, ok := strings.CutPrefix(s.name, family)
	if !ok {
		return sh
	}
	switch {
	case typ == model.MetricTypeHistogram && suffix == "_bucket":
		sh.role = roleBucket
	case typ == model.MetricTypeSummary && suffix == "":
		sh.role = roleQuantile
	case suffix == "_sum":
		sh.role = roleSum
	case suffix == "_count":
		sh.role = roleCount
	}
	bv := s.lset.Get(bl)
	switch sh.role {
	case roleBucket, roleQuantile:
		if bv == "" {
			sh.role = roleNone
			return sh
		}
		f, err := strconv.ParseFloat(bv, 64)
		sh.bound = f
		sh.canonical = err == nil && labels.FormatOpenMetricsFloat(f) == bv
	case roleSum, roleCount:
		if bv != "" {
			// The bound label would be lost in a Histogram/Summary point.
			sh.role = roleNone
			return sh
		}
	default:
		return sh
	}
	sh.groupHash, *buf = s.lset.HashWithoutLabels(*buf, bl)
	return sh
}

// maxCount bounds counts that pdata stores as uint64.
const maxCount = 1 << 64

// asCount converts a float counter value to a pdata count, if it is exact.
func asCount(v float64) (uint64, bool) {
	if !(v >= 0 && v < maxCount) || v != math.Trunc(v) {
		return 0, false
	}
	return uint64(v), true
}

// sameGroup reports whether a and b are equal ignoring __name__ and the
// bound label skip ("le" or "quantile"), using the two scratch buffers.
func sameGroup(a, b labels.Labels, skip string, bufA, bufB *[]byte) bool {
	*bufA = a.BytesWithoutLabels(*bufA, model.MetricNameLabel, skip)
	*bufB = b.BytesWithoutLabels(*bufB, model.MetricNameLabel, skip)
	return string(*bufA) == string(*bufB)
}
