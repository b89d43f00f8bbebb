package rowconv

import (
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// labelScratch assembles series labels without allocating anything but the
// final labels.Labels: the resource's labels are computed once per resource,
// a point's once per point, and each series of the point (a histogram has
// several) only merges in its generated labels.
type labelScratch struct {
	res  []labels.Label // resource attributes, sorted, unique
	pt   []labels.Label // current point's attributes, sorted, unique
	both []labels.Label // res ∪ pt when res is not empty
	base []labels.Label // the point's labels without __name__ and le/quantile
	sb   labels.ScratchBuilder
}

// release drops the references to the last batch's strings, so that a
// long-lived Converter does not keep a converted batch alive.
func (s *labelScratch) release() {
	clear(s.res[:cap(s.res)])
	clear(s.pt[:cap(s.pt)])
	clear(s.both[:cap(s.both)])
	s.res, s.pt, s.both, s.base = s.res[:0], s.pt[:0], s.both[:0], nil
	s.sb.Reset()
}

// setResource makes attrs the resource labels of the following points.
func (s *labelScratch) setResource(attrs pcommon.Map) {
	s.res = appendAttrs(s.res[:0], attrs)
}

// setPoint makes attrs ∪ the resource labels the base of the following
// series; point attributes win over resource attributes of the same name.
func (s *labelScratch) setPoint(attrs pcommon.Map) {
	s.pt = appendAttrs(s.pt[:0], attrs)
	if len(s.res) == 0 {
		s.base = s.pt
		return
	}
	s.both = mergeLabels(s.both[:0], s.res, s.pt)
	s.base = s.both
}

// series returns base ∪ {__name__=name}, plus {extra=value} when extra is
// not empty. The generated labels win over base labels of the same name.
func (s *labelScratch) series(name, extra, value string) labels.Labels {
	s.resetBuilder()
	base := s.base
	i := 0
	// "__name__" sorts before "le" and "quantile", so adding in this order
	// keeps the output sorted.
	i = s.addUpTo(base, i, labels.MetricName)
	s.sb.Add(labels.MetricName, name)
	if extra != "" {
		i = s.addUpTo(base, i, extra)
		s.sb.Add(extra, value)
	}
	for ; i < len(base); i++ {
		s.sb.Add(base[i].Name, base[i].Value)
	}
	return s.sb.Labels()
}

// pointSeries returns attrs ∪ the resource labels ∪ {__name__=name}, the
// labels of a point that is one series (Gauge, Sum): series after setPoint,
// with a fast path for what receivers usually hand over.
func (s *labelScratch) pointSeries(name string, attrs pcommon.Map) labels.Labels {
	if len(s.res) == 0 {
		if ls, ok := s.sortedPointSeries(name, attrs); ok {
			return ls
		}
	}
	s.setPoint(attrs)
	return s.series(name, "", "")
}

// sortedPointSeries builds {__name__=name} ∪ attrs straight from the map,
// without copying to scratch first, when attrs are sorted by key without
// repeats; ok is false when they are not.
func (s *labelScratch) sortedPointSeries(name string, attrs pcommon.Map) (_ labels.Labels, ok bool) {
	s.resetBuilder()
	named, prev := false, ""
	for k, v := range attrs.All() {
		val := attrValue(v)
		if k == "" || k == labels.MetricName || val == "" {
			continue
		}
		if k <= prev {
			return labels.EmptyLabels(), false
		}
		if !named && k > labels.MetricName {
			s.sb.Add(labels.MetricName, name)
			named = true
		}
		s.sb.Add(k, val)
		prev = k
	}
	if !named {
		s.sb.Add(labels.MetricName, name)
	}
	return s.sb.Labels(), true
}

// resetBuilder readies the builder for a label set. SetUnsafeAdd makes the
// labels own their strings whatever the build's labels implementation: with
// the default (stringlabels) they always do, with slicelabels they would
// otherwise alias pdata strings, which may alias a whole request body.
func (s *labelScratch) resetBuilder() {
	s.sb.Reset()
	s.sb.SetUnsafeAdd(true)
}

// addUpTo adds base[i:] labels sorting before name, skips one named name,
// and returns the index of the first label not consumed.
func (s *labelScratch) addUpTo(base []labels.Label, i int, name string) int {
	for ; i < len(base) && base[i].Name < name; i++ {
		s.sb.Add(base[i].Name, base[i].Value)
	}
	if i < len(base) && base[i].Name == name {
		i++
	}
	return i
}

// appendAttrs appends attrs as labels sorted by name, dropping empty keys,
// empty values and __name__; of duplicate keys the first is kept.
func appendAttrs(dst []labels.Label, attrs pcommon.Map) []labels.Label {
	for k, v := range attrs.All() {
		if k == "" || k == labels.MetricName {
			continue
		}
		val := attrValue(v)
		if val == "" {
			continue
		}
		dst = append(dst, labels.Label{Name: k, Value: val})
	}
	// Receivers hand labels over sorted, so checking first skips the sort
	// on the hot path. A map decoded from the wire may repeat a key.
	if !slices.IsSortedFunc(dst, compareNames) {
		slices.SortStableFunc(dst, compareNames)
	}
	return compactNames(dst)
}

// attrValue is an attribute value as a label value.
func attrValue(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return v.AsString()
}

// compactNames removes labels whose name equals the previous one's.
func compactNames(ls []labels.Label) []labels.Label {
	return slices.CompactFunc(ls, func(a, b labels.Label) bool { return a.Name == b.Name })
}

func compareNames(a, b labels.Label) int { return strings.Compare(a.Name, b.Name) }

// mergeLabels appends the union of the sorted, unique a and b to dst; on a
// name in both, b's label wins.
func mergeLabels(dst, a, b []labels.Label) []labels.Label {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i].Name, b[j].Name); {
		case c < 0:
			dst = append(dst, a[i])
			i++
		case c > 0:
			dst = append(dst, b[j])
			j++
		default:
			dst = append(dst, b[j])
			i++
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}
