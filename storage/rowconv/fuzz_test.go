package rowconv

import (
	"math"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// FuzzAppendMetrics feeds arbitrary OTLP metrics (as protobuf) to the
// converter: it must not panic, and every sample it returns must have a
// __name__ and sorted, unique, non-empty label names and values.
func FuzzAppendMetrics(f *testing.F) {
	var m pmetric.ProtoMarshaler
	for _, md := range fuzzSeeds() {
		b, err := m.MarshalMetrics(md)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var u pmetric.ProtoUnmarshaler
	var c Converter
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := u.UnmarshalMetrics(b)
		if err != nil {
			return
		}
		got, _, _ := c.AppendMetrics(nil, md)
		for _, s := range got {
			if s.Labels.Get(labels.MetricName) == "" {
				t.Fatalf("sample without __name__: %s", s.Labels)
			}
			if !sortedUnique(s.Labels) {
				t.Fatalf("labels not sorted and unique: %s", s.Labels)
			}
			s.Labels.Range(func(l labels.Label) {
				if l.Name == "" || l.Value == "" {
					t.Fatalf("empty label name or value: %s", s.Labels)
				}
			})
		}
	})
}

func fuzzSeeds() []pmetric.Metrics {
	md, m := newMetric(map[string]any{"job": "j", "instance": "i", "n": 1})
	m.SetName("h")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	p := h.DataPoints().AppendEmpty()
	putAttrs(p.Attributes(), "b", "2", "a", "1", "a", "dup")
	p.ExplicitBounds().FromRaw([]float64{1, math.Inf(1)})
	p.BucketCounts().FromRaw([]uint64{1, 2, 3})
	p.SetSum(2)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	s := ms.AppendEmpty()
	s.SetName("s")
	q := s.SetEmptySummary().DataPoints().AppendEmpty().QuantileValues().AppendEmpty()
	q.SetQuantile(0.5)
	g := ms.AppendEmpty()
	g.SetName("g")
	gp := g.SetEmptyGauge().DataPoints().AppendEmpty()
	gp.SetDoubleValue(1)
	gp.Attributes().PutEmptyMap("m").PutStr("k", "v")
	return []pmetric.Metrics{md, pmetric.NewMetrics()}
}
