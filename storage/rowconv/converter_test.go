package rowconv

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

const (
	ts1   = pcommon.Timestamp(1_700_000_000_123_456_789) // → 1700000000123 ms
	ms1   = int64(1_700_000_000_123)
	stale = "stale" // marks an expected StaleNaN in want tables
)

// newMetric returns md and a fresh metric inside one resource carrying
// resAttrs.
func newMetric(resAttrs map[string]any) (pmetric.Metrics, pmetric.Metric) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	if err := rm.Resource().Attributes().FromRaw(resAttrs); err != nil {
		panic(err)
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(ScopeName)
	return md, sm.Metrics().AppendEmpty()
}

func putAttrs(m pcommon.Map, kv ...string) {
	for i := 0; i < len(kv); i += 2 {
		m.PutStr(kv[i], kv[i+1])
	}
}

// want is one expected sample: labels in Prometheus' text form, value as a
// string so that NaN and StaleNaN can be told apart.
type want struct {
	series string
	v      string
}

func formatSamples(ss []storage.Sample) []want {
	out := make([]want, 0, len(ss))
	for _, s := range ss {
		v := fmt.Sprint(s.V)
		if value.IsStaleNaN(s.V) {
			v = stale
		}
		out = append(out, want{series: s.Labels.String(), v: v})
	}
	return out
}

func checkSamples(t *testing.T, got []storage.Sample, wantT int64, want []want) {
	t.Helper()
	for _, s := range got {
		if s.T != wantT {
			t.Errorf("%s: T = %d, want %d", s.Labels, s.T, wantT)
		}
		if !sortedUnique(s.Labels) {
			t.Errorf("%s: labels not sorted and unique", s.Labels)
		}
	}
	g := formatSamples(got)
	if len(g) != len(want) {
		t.Fatalf("got %d samples, want %d:\n got %v\nwant %v", len(g), len(want), g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Errorf("sample %d = %v, want %v", i, g[i], want[i])
		}
	}
}

func sortedUnique(ls labels.Labels) bool {
	prev, ok := "", true
	first := true
	ls.Range(func(l labels.Label) {
		if !first && l.Name <= prev {
			ok = false
		}
		prev, first = l.Name, false
	})
	return ok
}

func TestHistogramSeries(t *testing.T) {
	md, m := newMetric(map[string]any{"job": "mesh", "instance": "10.0.0.1:15090"})
	m.SetName("istio_request_duration_milliseconds")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	p := h.DataPoints().AppendEmpty()
	putAttrs(p.Attributes(), "response_code", "200", "instance", "wins-over-resource")
	p.SetTimestamp(ts1)
	p.ExplicitBounds().FromRaw([]float64{0.5, 1, 5, 1e6})
	p.BucketCounts().FromRaw([]uint64{1, 2, 3, 4, 5})
	p.SetCount(15)
	p.SetSum(123.5)

	var c Converter
	got, _, err := c.AppendMetrics(nil, md)
	if err != nil {
		t.Fatal(err)
	}
	const base = `instance="wins-over-resource", job="mesh", `
	checkSamples(t, got, ms1, []want{
		{`{__name__="istio_request_duration_milliseconds_bucket", ` + base + `le="0.5", response_code="200"}`, "1"},
		{`{__name__="istio_request_duration_milliseconds_bucket", ` + base + `le="1.0", response_code="200"}`, "3"},
		{`{__name__="istio_request_duration_milliseconds_bucket", ` + base + `le="5.0", response_code="200"}`, "6"},
		{`{__name__="istio_request_duration_milliseconds_bucket", ` + base + `le="1e+06", response_code="200"}`, "10"},
		{`{__name__="istio_request_duration_milliseconds_bucket", ` + base + `le="+Inf", response_code="200"}`, "15"},
		{`{__name__="istio_request_duration_milliseconds_sum", ` + base + `response_code="200"}`, "123.5"},
		{`{__name__="istio_request_duration_milliseconds_count", ` + base + `response_code="200"}`, "15"},
	})
}

func TestHistogramEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		fill    func(p pmetric.HistogramDataPoint)
		want    []want
		wantErr string
	}{{
		name: "last bound +Inf folds into the +Inf bucket; no sum",
		fill: func(p pmetric.HistogramDataPoint) {
			p.ExplicitBounds().FromRaw([]float64{1, math.Inf(1)})
			p.BucketCounts().FromRaw([]uint64{2, 3, 0})
			p.SetCount(5)
		},
		want: []want{
			{`{__name__="h_bucket", le="1.0"}`, "2"},
			{`{__name__="h_bucket", le="+Inf"}`, "5"},
			{`{__name__="h_count"}`, "5"},
		},
	}, {
		name: "no buckets: only sum and count",
		fill: func(p pmetric.HistogramDataPoint) { p.SetCount(7); p.SetSum(1.5) },
		want: []want{{`{__name__="h_sum"}`, "1.5"}, {`{__name__="h_count"}`, "7"}},
	}, {
		name: "stale point marks every series its bounds name",
		fill: func(p pmetric.HistogramDataPoint) {
			p.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
			p.ExplicitBounds().FromRaw([]float64{0.25})
			p.SetSum(0)
		},
		want: []want{
			{`{__name__="h_bucket", le="0.25"}`, stale},
			{`{__name__="h_bucket", le="+Inf"}`, stale},
			{`{__name__="h_sum"}`, stale},
			{`{__name__="h_count"}`, stale},
		},
	}, {
		name: "le attribute is replaced where le is generated",
		fill: func(p pmetric.HistogramDataPoint) {
			putAttrs(p.Attributes(), "le", "bogus", "a", "b")
			p.ExplicitBounds().FromRaw([]float64{2})
			p.BucketCounts().FromRaw([]uint64{1, 1})
			p.SetCount(2)
		},
		want: []want{
			{`{__name__="h_bucket", a="b", le="2.0"}`, "1"},
			{`{__name__="h_bucket", a="b", le="+Inf"}`, "2"},
			{`{__name__="h_count", a="b", le="bogus"}`, "2"},
		},
	}, {
		name: "counts do not match bounds",
		fill: func(p pmetric.HistogramDataPoint) {
			p.ExplicitBounds().FromRaw([]float64{1, 2})
			p.BucketCounts().FromRaw([]uint64{1, 2})
		},
		wantErr: `metric "h": malformed data point: 1 skipped, first: 2 bucket counts for 2 explicit bounds`,
	}, {
		name: "bounds not increasing",
		fill: func(p pmetric.HistogramDataPoint) {
			p.ExplicitBounds().FromRaw([]float64{2, 1})
			p.BucketCounts().FromRaw([]uint64{1, 2, 3})
		},
		wantErr: `explicit bounds not strictly increasing at index 1`,
	}, {
		name: "NaN bound",
		fill: func(p pmetric.HistogramDataPoint) {
			p.ExplicitBounds().FromRaw([]float64{math.NaN()})
			p.BucketCounts().FromRaw([]uint64{1, 2})
		},
		wantErr: `explicit bound is NaN`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, m := newMetric(nil)
			m.SetName("h")
			h := m.SetEmptyHistogram()
			h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			p := h.DataPoints().AppendEmpty()
			p.SetTimestamp(ts1)
			tt.fill(p)
			var c Converter
			got, _, err := c.AppendMetrics(nil, md)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSamples(t, got, ms1, tt.want)
		})
	}
}

func TestSummarySeries(t *testing.T) {
	md, m := newMetric(map[string]any{"job": "mesh"})
	m.SetName("rpc_latency_seconds")
	s := m.SetEmptySummary()
	p := s.DataPoints().AppendEmpty()
	putAttrs(p.Attributes(), "method", "GET")
	p.SetTimestamp(ts1)
	p.SetCount(10)
	p.SetSum(4.25)
	for _, q := range [][2]float64{{0, 0.01}, {0.5, 0.2}, {0.99, 1.5}, {1, 2}} {
		qv := p.QuantileValues().AppendEmpty()
		qv.SetQuantile(q[0])
		qv.SetValue(q[1])
	}
	stalePoint := s.DataPoints().AppendEmpty()
	p.CopyTo(stalePoint)
	stalePoint.QuantileValues().RemoveIf(func(q pmetric.SummaryDataPointValueAtQuantile) bool { return q.Quantile() != 0.5 })
	stalePoint.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))

	var c Converter
	got, _, err := c.AppendMetrics(nil, md)
	if err != nil {
		t.Fatal(err)
	}
	checkSamples(t, got, ms1, []want{
		{`{__name__="rpc_latency_seconds", job="mesh", method="GET", quantile="0.0"}`, "0.01"},
		{`{__name__="rpc_latency_seconds", job="mesh", method="GET", quantile="0.5"}`, "0.2"},
		{`{__name__="rpc_latency_seconds", job="mesh", method="GET", quantile="0.99"}`, "1.5"},
		{`{__name__="rpc_latency_seconds", job="mesh", method="GET", quantile="1.0"}`, "2"},
		{`{__name__="rpc_latency_seconds_sum", job="mesh", method="GET"}`, "4.25"},
		{`{__name__="rpc_latency_seconds_count", job="mesh", method="GET"}`, "10"},
		{`{__name__="rpc_latency_seconds", job="mesh", method="GET", quantile="0.5"}`, stale},
		{`{__name__="rpc_latency_seconds_sum", job="mesh", method="GET"}`, stale},
		{`{__name__="rpc_latency_seconds_count", job="mesh", method="GET"}`, stale},
	})
}

func TestNumberSeries(t *testing.T) {
	md, m := newMetric(map[string]any{"job": "mesh", "z": ""})
	m.SetName("istio_requests_total")
	sum := m.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	dp := sum.DataPoints()

	p := dp.AppendEmpty() // int value; unsorted attributes; empty and __name__ dropped
	putAttrs(p.Attributes(), "reporter", "source", "empty", "", labels.MetricName, "ignored", "code", "200")
	p.Attributes().PutInt("attempt", 3)
	p.Attributes().PutBool("mtls", true)
	p.SetTimestamp(ts1)
	p.SetIntValue(42)

	p = dp.AppendEmpty() // plain NaN stays NaN
	p.SetTimestamp(ts1)
	p.SetDoubleValue(math.NaN())

	p = dp.AppendEmpty() // stale: the flag wins over the value
	p.SetTimestamp(ts1)
	p.SetDoubleValue(1)
	p.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))

	p = dp.AppendEmpty() // no value: skipped and reported
	p.SetTimestamp(ts1)

	var c Converter
	got, _, err := c.AppendMetrics(nil, md)
	if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `metric "istio_requests_total"`) {
		t.Errorf("err = %v, want ErrMalformed naming the metric", err)
	}
	checkSamples(t, got, ms1, []want{
		{`{__name__="istio_requests_total", attempt="3", code="200", job="mesh", mtls="true", reporter="source"}`, "42"},
		{`{__name__="istio_requests_total", job="mesh"}`, "NaN"},
		{`{__name__="istio_requests_total", job="mesh"}`, stale},
	})
}

func TestStaleNaNBitsPreserved(t *testing.T) {
	md, m := newMetric(nil)
	m.SetName("g")
	p := m.SetEmptyGauge().DataPoints().AppendEmpty()
	p.SetDoubleValue(math.Float64frombits(value.StaleNaN))
	var c Converter
	got, _, err := c.AppendMetrics(nil, md)
	if err != nil || len(got) != 1 || !value.IsStaleNaN(got[0].V) {
		t.Fatalf("got %v, %v; want one StaleNaN sample", got, err)
	}
}

func TestTimestampsTruncateTowardZero(t *testing.T) {
	for _, tc := range []struct {
		ns   int64
		want int64
	}{{1_999_999, 1}, {0, 0}, {-1_999_999, -1}, {-5_000_000, -5}} {
		if got := toMillis(pcommon.Timestamp(tc.ns)); got != tc.want {
			t.Errorf("toMillis(%d ns) = %d, want %d", tc.ns, got, tc.want)
		}
	}
}

func TestUnsupportedMetricsDoNotStopOthers(t *testing.T) {
	md, m := newMetric(nil)
	m.SetName("native")
	m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().SetCount(1)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	d := ms.AppendEmpty()
	d.SetName("delta")
	d.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	d.Histogram().DataPoints().AppendEmpty().SetCount(1)
	ms.AppendEmpty().SetName("typeless")
	ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1) // no name
	g := ms.AppendEmpty()
	g.SetName("up")
	g.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)

	var c Converter
	got, _, err := c.AppendMetrics(nil, md)
	if len(got) != 1 || got[0].Labels.Get(labels.MetricName) != "up" {
		t.Errorf("got %v, want the one good sample", formatSamples(got))
	}
	for _, w := range []string{`metric "native": unsupported: exponential`, `metric "delta": unsupported: delta`, `metric "typeless": unsupported: no data type`, `metric with an empty name`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v, want it to contain %q", err, w)
		}
	}
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("err does not wrap ErrUnsupported")
	}
}

func TestConverterReuseAppends(t *testing.T) {
	md, m := newMetric(nil)
	m.SetName("g")
	m.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(1)
	var c Converter
	dst, _, _ := c.AppendMetrics(nil, md)
	dst, _, _ = c.AppendMetrics(dst, md)
	if len(dst) != 2 {
		t.Fatalf("len = %d, want 2 (appended)", len(dst))
	}
}

// TestAllocsPerSample holds the hot path to its promise: once dst has room,
// a gauge sample costs exactly one allocation, its label set.
func TestAllocsPerSample(t *testing.T) {
	md, m := newMetric(map[string]any{"job": "mesh"})
	m.SetName("istio_requests_total")
	dp := m.SetEmptyGauge().DataPoints()
	const n = 100
	for i := range n {
		p := dp.AppendEmpty()
		putAttrs(p.Attributes(), "a", "1", "b", "2", "c", fmt.Sprint(i))
		p.SetDoubleValue(1)
	}
	var c Converter
	dst := make([]storage.Sample, 0, n)
	_, _, _ = c.AppendMetrics(dst, md)
	allocs := testing.AllocsPerRun(20, func() { _, _, _ = c.AppendMetrics(dst[:0], md) })
	if allocs > n+1 {
		t.Errorf("%v allocations for %d samples, want at most %d", allocs, n, n+1)
	}
}
