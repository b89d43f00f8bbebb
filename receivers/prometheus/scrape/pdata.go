package scrape

import (
	"github.com/meshlens/meshlens/storage/rowconv"
	"github.com/prometheus/prometheus/model/labels"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// metricKey identifies a pdata metric within one scrape's output.
type metricKey struct {
	name string
	kind unitKind
	bare bool
}

// builder writes one scrape's pdata: one Resource (the target labels), one
// scope (rowconv.ScopeName), one metric per name and kind; and, only when
// some series are bare, a second Resource with no attributes for them.
type builder struct {
	md      pmetric.Metrics
	metrics pmetric.MetricSlice
	bare    pmetric.MetricSlice
	hasBare bool
	index   map[metricKey]pmetric.Metric
}

// staleFlags marks a data point as a Prometheus staleness marker.
var staleFlags = pmetric.DefaultDataPointFlags.WithNoRecordedValue(true)

func (c *converter) newBuilder() *builder {
	md := pmetric.NewMetrics()
	metrics := appendScope(md)
	attrs := md.ResourceMetrics().At(0).Resource().Attributes()
	attrs.EnsureCapacity(c.target.labels.Len())
	c.target.labels.Range(func(l labels.Label) { attrs.PutStr(l.Name, l.Value) })
	clear(c.index)
	return &builder{md: md, metrics: metrics, index: c.index}
}

// appendScope adds a Resource with meshlens' scope to md.
func appendScope(md pmetric.Metrics) pmetric.MetricSlice {
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(rowconv.ScopeName)
	return sm.Metrics()
}

// emitSamples writes the units of a successful scrape.
func (c *converter) emitSamples(b *builder, units []unit) {
	b.metrics.EnsureCapacity(len(units) / 4)
	for i := range units {
		b.add(&units[i], units[i].t, false)
	}
}

// metric returns the pdata metric for u's name and kind, creating it with
// u's metadata (HELP, UNIT, TYPE, and the family name when it is not the
// metric's) on first use.
func (b *builder) metric(u *unit) pmetric.Metric {
	key := metricKey{name: u.name, kind: u.kind, bare: u.rep != nil && u.rep.bare}
	if m, ok := b.index[key]; ok {
		return m
	}
	metrics := b.metrics
	if key.bare {
		if !b.hasBare {
			b.bare, b.hasBare = appendScope(b.md), true
		}
		metrics = b.bare
	}
	m := metrics.AppendEmpty()
	m.SetName(u.name)
	if u.meta.ok {
		m.SetDescription(u.meta.help)
		m.SetUnit(u.meta.unit)
		m.Metadata().PutStr(rowconv.MetadataTypeKey, string(u.meta.typ))
		if u.meta.family != u.name {
			m.Metadata().PutStr(rowconv.MetadataFamilyKey, u.meta.family)
		}
	}
	switch u.kind {
	case kindGauge:
		m.SetEmptyGauge()
	case kindSum:
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	case kindHistogram:
		m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	case kindSummary:
		m.SetEmptySummary()
	}
	b.index[key] = m
	return m
}

// add writes u as a data point at t (milliseconds); stale writes it as a
// staleness marker of the same shape, so that every series u expands to
// gets one.
func (b *builder) add(u *unit, t int64, stale bool) {
	m := b.metric(u)
	ts := pcommon.Timestamp(t * 1e6)
	var attrs pcommon.Map
	switch u.kind {
	case kindGauge, kindSum:
		var dp pmetric.NumberDataPoint
		if u.kind == kindGauge {
			dp = m.Gauge().DataPoints().AppendEmpty()
		} else {
			dp = m.Sum().DataPoints().AppendEmpty()
		}
		dp.SetTimestamp(ts)
		if stale {
			dp.SetFlags(staleFlags)
		} else {
			dp.SetDoubleValue(u.v)
		}
		attrs = dp.Attributes()
	case kindHistogram:
		dp := m.Histogram().DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.ExplicitBounds().FromRaw(u.bounds)
		if stale {
			dp.SetFlags(staleFlags)
			dp.BucketCounts().FromRaw(make([]uint64, len(u.bounds)+1))
			if u.hasSum {
				dp.SetSum(0)
			}
		} else {
			dp.BucketCounts().FromRaw(u.buckets)
			dp.SetCount(u.count)
			if u.hasSum {
				dp.SetSum(u.sum)
			}
		}
		attrs = dp.Attributes()
	case kindSummary:
		dp := m.Summary().DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		qs := dp.QuantileValues()
		qs.EnsureCapacity(len(u.bounds))
		for i, q := range u.bounds {
			qv := qs.AppendEmpty()
			qv.SetQuantile(q)
			if !stale {
				qv.SetValue(u.values[i])
			}
		}
		if stale {
			dp.SetFlags(staleFlags)
		} else {
			dp.SetCount(u.count)
			dp.SetSum(u.sum)
		}
		attrs = dp.Attributes()
	}
	if u.rep != nil {
		putAttrs(attrs, u.rep.attrs, u.skip)
	}
}

func putAttrs(m pcommon.Map, attrs []labels.Label, skip string) {
	m.EnsureCapacity(len(attrs))
	for _, a := range attrs {
		if a.Name != skip {
			m.PutStr(a.Name, a.Value)
		}
	}
}
