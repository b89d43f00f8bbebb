package scrape

import (
	"cmp"
	"math"
	"slices"

	"github.com/prometheus/common/model"
)

// unitKind is the pdata metric type a unit becomes.
type unitKind uint8

const (
	kindGauge unitKind = iota
	kindSum
	kindHistogram
	kindSummary
)

// unit is one pdata data point and the Prometheus series it expands to
// under the rowconv contract: one series for a Gauge or Sum point, all of a
// classic histogram's or summary's series for those.
type unit struct {
	kind unitKind
	name string
	meta metaSnapshot
	rep  *series // its attributes, less skip, are the point's
	skip string  // "le" or "quantile" for histograms and summaries
	t    int64
	v    float64 // Gauge and Sum

	count   uint64
	sum     float64
	hasSum  bool
	bounds  []float64 // histogram upper bounds without +Inf; summary quantiles
	values  []float64 // summary quantile values
	buckets []uint64  // histogram per-bucket counts, len(bounds)+1

	n         int  // series it expands to
	stale     int  // scratch for staleness: how many of them went stale
	staleDone bool // scratch: its staleness marker has been emitted
}

// metaSnapshot is a family's metadata when a unit was built.
type metaSnapshot struct {
	ok         bool
	family     string
	typ        model.MetricType
	help, unit string
}

func snapshot(m *metaEntry) metaSnapshot {
	if m == nil {
		return metaSnapshot{}
	}
	return metaSnapshot{ok: true, family: m.name, typ: m.typ, help: m.help, unit: m.unit}
}

// grouping is the reusable scratch space of buildUnits.
type grouping struct {
	groupOf    []int32 // per sample: its group, or -1
	next       []int32 // per sample: next member of its group, or -1
	groups     []group
	index      map[groupKey]int32
	bufA, bufB []byte
	points     []point
}

type groupKey struct {
	meta *metaEntry
	typ  model.MetricType
	hash uint64
}

// group is a candidate histogram or summary point: samples of one family
// with the same labels but for __name__ and le/quantile.
type group struct {
	first, last int32
	unit        *unit // nil when the group is malformed
}

// point is a bucket (le, cumulative count) or quantile (quantile, value).
type point struct{ bound, v float64 }

// buildUnits groups c.samples into units: every sample of a well-formed
// classic histogram or summary joins its group's point, every other sample
// is a point of its own, so the series the units expand to are exactly the
// samples. Each series learns the unit it went into, for staleness.
func (c *converter) buildUnits() []unit {
	samples := c.samples
	g := &c.grouping
	c.groupSamples()

	units := c.units[c.flip]
	if cap(units) < len(samples) {
		// Units are pointed at by series, so they must never move.
		units = make([]unit, 0, len(samples))
	}
	units = units[:0]
	add := func() *unit {
		units = units[:len(units)+1]
		u := &units[len(units)-1]
		bounds, values, buckets := u.bounds[:0], u.values[:0], u.buckets[:0]
		*u = unit{bounds: bounds, values: values, buckets: buckets}
		return u
	}
	for i := range samples {
		smp := &samples[i]
		gi := g.groupOf[i]
		if gi >= 0 {
			grp := &g.groups[gi]
			if grp.first == int32(i) {
				u := add()
				if c.fillGroup(u, grp, smp) {
					grp.unit = u
					for j := grp.first; j >= 0; j = g.next[j] {
						samples[j].s.unit = u
					}
					continue
				}
				units = units[:len(units)-1]
			}
			if grp.unit != nil {
				continue
			}
		}
		u := add()
		u.kind = kindGauge
		if smp.typ == model.MetricTypeCounter {
			u.kind = kindSum
		}
		u.name, u.meta, u.rep, u.t, u.v, u.n = smp.s.name, snapshot(smp.meta), smp.s, smp.t, smp.v, 1
		smp.s.unit = u
	}
	c.units[c.flip] = units
	c.flip ^= 1
	return units
}

// groupSamples links the samples that may form histogram or summary points.
func (c *converter) groupSamples() {
	samples := c.samples
	g := &c.grouping
	if g.index == nil {
		g.index = map[groupKey]int32{}
	}
	clear(g.index)
	g.groups = g.groups[:0]
	g.groupOf = slices.Grow(g.groupOf[:0], len(samples))[:len(samples)]
	g.next = slices.Grow(g.next[:0], len(samples))[:len(samples)]
	for i := range samples {
		smp := &samples[i]
		g.groupOf[i], g.next[i] = -1, -1
		bl := boundLabel(smp.typ)
		if smp.meta == nil || bl == "" {
			continue
		}
		sh := smp.s.shapeFor(smp.meta.name, smp.typ, &g.bufA)
		if sh.role == roleNone {
			continue
		}
		key := groupKey{meta: smp.meta, typ: smp.typ, hash: sh.groupHash}
		gi, ok := g.index[key]
		switch {
		case !ok:
			gi = int32(len(g.groups))
			g.groups = append(g.groups, group{first: int32(i), last: int32(i)})
			g.index[key] = gi
		case !c.inGroup(smp.s, samples[g.groups[gi].first].s, bl):
			continue // A hash collision: this sample stays a point of its own.
		default:
			g.next[g.groups[gi].last] = int32(i)
			g.groups[gi].last = int32(i)
		}
		g.groupOf[i] = gi
	}
}

// inGroup reports whether s has the labels of first, the first series of a
// group, but for __name__ and the bound label bl. Labels never change, so a
// positive answer is remembered.
func (c *converter) inGroup(s, first *series, bl string) bool {
	if s.shape.groupedWith == first {
		return true
	}
	g := &c.grouping
	if !sameGroup(first.lset, s.lset, bl, &g.bufA, &g.bufB) {
		return false
	}
	s.shape.groupedWith = first
	return true
}

// fillGroup makes u the Histogram or Summary point of grp, whose first
// sample is first, and reports whether the group is well formed: one
// timestamp; canonical, distinct bounds; a _count that is a whole number;
// for histograms a +Inf bucket equal to _count and whole, non-decreasing
// cumulative bucket counts; for summaries a _sum. A malformed group's samples
// become Gauges, so that storage still gets exactly what Prometheus stores.
func (c *converter) fillGroup(u *unit, grp *group, first *sample) bool {
	g := &c.grouping
	pts := g.points[:0]
	defer func() { g.points = pts[:0] }()
	var (
		countV             float64
		hasCount           bool
		t                  = first.t
		n                  int
		samples            = c.samples
		isHist             = first.typ == model.MetricTypeHistogram
		countOK, doubleSum bool
	)
	for j := grp.first; j >= 0; j = g.next[j] {
		smp := &samples[j]
		sh := &smp.s.shape
		if smp.t != t {
			return false
		}
		n++
		switch sh.role {
		case roleBucket, roleQuantile:
			if !sh.canonical {
				return false
			}
			pts = append(pts, point{bound: sh.bound, v: smp.v})
		case roleSum:
			doubleSum = u.hasSum
			u.sum, u.hasSum = smp.v, true
		case roleCount:
			if hasCount {
				return false
			}
			countV, hasCount = smp.v, true
		}
	}
	if doubleSum || !hasCount {
		return false
	}
	if u.count, countOK = asCount(countV); !countOK {
		return false
	}
	if !slices.IsSortedFunc(pts, byBound) {
		slices.SortFunc(pts, byBound)
	}
	for k := 1; k < len(pts); k++ {
		if !(pts[k-1].bound < pts[k].bound) { // Duplicates and NaN.
			return false
		}
	}
	if isHist {
		if !fillBuckets(u, pts) {
			return false
		}
		u.kind = kindHistogram
	} else {
		if !u.hasSum {
			return false
		}
		for _, p := range pts {
			u.bounds = append(u.bounds, p.bound)
			u.values = append(u.values, p.v)
		}
		u.kind = kindSummary
	}
	u.name, u.meta, u.rep, u.skip, u.t, u.n = first.meta.name, snapshot(first.meta), first.s, boundLabel(first.typ), t, n
	return true
}

// fillBuckets turns sorted cumulative buckets into pdata bounds and
// per-bucket counts, if they are whole, non-decreasing, end with +Inf and
// that +Inf bucket equals the count.
func fillBuckets(u *unit, pts []point) bool {
	if len(pts) == 0 || !math.IsInf(pts[len(pts)-1].bound, 1) {
		return false
	}
	var prev uint64
	for i, p := range pts {
		cum, ok := asCount(p.v)
		if !ok || cum < prev {
			return false
		}
		if i < len(pts)-1 {
			u.bounds = append(u.bounds, p.bound)
		}
		u.buckets = append(u.buckets, cum-prev)
		prev = cum
	}
	return prev == u.count
}

func byBound(a, b point) int { return cmp.Compare(a.bound, b.bound) }
