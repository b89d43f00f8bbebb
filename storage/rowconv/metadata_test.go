package rowconv

import (
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

func TestMetadata(t *testing.T) {
	md, first := newMetric(nil)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	add := func(name, typ, family, help, unit string, kind func(pmetric.Metric)) {
		m := first
		if first.Name() != "" {
			m = ms.AppendEmpty()
		}
		m.SetName(name)
		m.SetDescription(help)
		m.SetUnit(unit)
		if typ != "" {
			m.Metadata().PutStr(MetadataTypeKey, typ)
		}
		if family != "" {
			m.Metadata().PutStr(MetadataFamilyKey, family)
		}
		kind(m)
	}
	gauge := func(m pmetric.Metric) { m.SetEmptyGauge() }
	counter := func(m pmetric.Metric) {
		m.SetEmptySum().SetIsMonotonic(true)
		m.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	}
	deltaSum := func(m pmetric.Metric) { m.SetEmptySum().SetAggregationTemporality(pmetric.AggregationTemporalityDelta) }
	hist := func(m pmetric.Metric) { m.SetEmptyHistogram() }
	summary := func(m pmetric.Metric) { m.SetEmptySummary() }

	// Remote write: a flattened histogram's series, each with the family.
	add("lat_bucket", "histogram", "lat", "Latency.", "seconds", gauge)
	add("lat_sum", "histogram", "lat", "Latency.", "seconds", gauge)
	add("lat_count", "histogram", "lat", "Latency.", "seconds", gauge)
	// Same family, other help (another target): a distinct entry.
	add("lat_bucket", "histogram", "lat", "Latency (v2).", "seconds", gauge)
	add("requests_total", "counter", "", "Requests.", "", counter)
	add("no_metadata", "", "", "", "", gauge) // nothing to report
	add("otel_counter", "", "", "From OTLP.", "", counter)
	add("otel_delta", "", "", "", "By", deltaSum)
	add("otel_hist", "", "", "H.", "", hist)
	add("otel_summary", "", "", "S.", "", summary)

	var c Converter
	_, got, err := c.AppendMetrics(nil, md)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.Metadata{
		{Metric: "lat", Type: "histogram", Help: "Latency.", Unit: "seconds"},
		{Metric: "lat", Type: "histogram", Help: "Latency (v2).", Unit: "seconds"},
		{Metric: "requests_total", Type: "counter", Help: "Requests."},
		{Metric: "otel_counter", Type: "counter", Help: "From OTLP."},
		{Metric: "otel_delta", Type: "gauge", Unit: "By"},
		{Metric: "otel_hist", Type: "histogram", Help: "H."},
		{Metric: "otel_summary", Type: "summary", Help: "S."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metadata\n got %+v\nwant %+v", got, want)
	}

	// The returned slice belongs to the caller: a second call must not
	// reuse it, and reports the same entries again.
	_, again, _ := c.AppendMetrics(nil, md)
	if !reflect.DeepEqual(again, want) || &again[0] == &got[0] {
		t.Errorf("second call: got %+v (shared: %v)", again, &again[0] == &got[0])
	}
}
