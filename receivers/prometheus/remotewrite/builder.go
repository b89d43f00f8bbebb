package remotewrite

import (
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage/rowconv"
)

// builder assembles the pmetric.Metrics of one request per the rowconv
// contract: one resource without attributes (remote write has no target),
// one scope, and one metric per run of consecutive series with the same
// name and metadata. Series labels other than __name__ become point
// attributes, unchanged.
type builder struct {
	md      pmetric.Metrics
	metrics pmetric.MetricSlice
	points  pmetric.NumberDataPointSlice
	open    bool // a metric is open for more series
	name    string
	meta    seriesMeta
	counter bool

	samples, withMeta int // totals, for the response and Stats
}

// newBuilder returns a builder with room for nMetrics metrics (an upper
// bound is fine: the room is a slice of pointers).
func newBuilder(nMetrics int) *builder {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(rowconv.ScopeName)
	b := &builder{md: md, metrics: sm.Metrics()}
	b.metrics.EnsureCapacity(nMetrics)
	return b
}

// continues reports whether a series named name with meta joins the open
// metric.
func (b *builder) continues(name string, meta seriesMeta) bool {
	return b.open && name == b.name && meta == b.meta
}

// startMetric opens a metric for series named name. Counters become
// monotonic cumulative Sums, everything else a Gauge.
func (b *builder) startMetric(name string, meta seriesMeta) {
	m := b.newMetric(name, meta)
	b.open, b.name, b.meta = true, name, meta
	b.counter = meta.typ == string(model.MetricTypeCounter)
	if b.counter {
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		b.points = s.DataPoints()
	} else {
		b.points = m.SetEmptyGauge().DataPoints()
	}
}

// metadataOnly adds a metric without points that carries metadata no
// series of the request matched (1.0 sends metadata in requests of its own).
func (b *builder) metadataOnly(meta seriesMeta) {
	m := b.newMetric(meta.family, meta)
	if meta.typ == string(model.MetricTypeCounter) {
		m.SetEmptySum().SetIsMonotonic(true)
		m.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	} else {
		m.SetEmptyGauge()
	}
	b.open = false
}

func (b *builder) newMetric(name string, meta seriesMeta) pmetric.Metric {
	m := b.metrics.AppendEmpty()
	m.SetName(name)
	if meta != (seriesMeta{}) {
		b.withMeta++
		m.SetDescription(meta.help)
		m.SetUnit(meta.unit)
		md := m.Metadata()
		md.PutStr(rowconv.MetadataTypeKey, meta.typ)
		if meta.family != "" && meta.family != name {
			md.PutStr(rowconv.MetadataFamilyKey, meta.family)
		}
	}
	return m
}

// point adds one sample of a series with labels ls to the open metric.
// startMs, when not zero, is a counter's start (created) timestamp.
func (b *builder) point(ls []prompb.Label, ms int64, v float64, startMs int64) {
	p := b.points.AppendEmpty()
	attrs := p.Attributes()
	attrs.EnsureCapacity(len(ls) - 1)
	for _, l := range ls {
		if l.Name != labels.MetricName {
			attrs.PutStr(l.Name, l.Value)
		}
	}
	p.SetTimestamp(millisToTimestamp(ms))
	p.SetDoubleValue(v)
	if value.IsStaleNaN(v) {
		p.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
	}
	if b.counter && startMs != 0 {
		p.SetStartTimestamp(millisToTimestamp(startMs))
	}
	b.samples++
}

// millisToTimestamp converts checked milliseconds (see checkTimestamp) to
// pdata nanoseconds; negative times wrap, and rowconv reads them back
// signed.
func millisToTimestamp(ms int64) pcommon.Timestamp {
	return pcommon.Timestamp(uint64(ms * 1e6))
}
