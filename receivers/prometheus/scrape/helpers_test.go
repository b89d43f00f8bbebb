package scrape

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage/rowconv"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

const (
	textType = "text/plain; version=0.0.4; charset=utf-8"
	omType   = "application/openmetrics-text; version=1.0.0; charset=utf-8"
	testAddr = "127.0.0.1:15090"
)

// t0 is a fixed scrape time for conversion tests.
var t0 = time.UnixMilli(1_764_400_000_000)

// newTestConverter builds the converter of the first target of jc, filling
// in job name and target when jc leaves them empty.
func newTestConverter(t testing.TB, jc JobConfig) *converter {
	t.Helper()
	if jc.JobName == "" {
		jc.JobName = "istio-proxies"
	}
	if jc.StaticConfigs == nil {
		jc.StaticConfigs = []StaticConfig{{Targets: []string{testAddr}}}
	}
	j, err := resolveJob("scrape_configs[0]", &jc, &GlobalConfig{})
	if err != nil {
		t.Fatalf("resolveJob: %v", err)
	}
	return newConverter(j.targets[0], j, nil)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// allMetrics lists every metric of md.
func allMetrics(md pmetric.Metrics) []pmetric.Metric {
	var out []pmetric.Metric
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				out = append(out, m)
			}
		}
	}
	return out
}

// metricsByName indexes the metrics of md; names appearing with two types
// keep the first.
func metricsByName(md pmetric.Metrics) map[string]pmetric.Metric {
	out := map[string]pmetric.Metric{}
	for _, m := range allMetrics(md) {
		if _, ok := out[m.Name()]; !ok {
			out[m.Name()] = m
		}
	}
	return out
}

func mustMetric(t testing.TB, md pmetric.Metrics, name string, typ pmetric.MetricType) pmetric.Metric {
	t.Helper()
	m, ok := metricsByName(md)[name]
	if !ok {
		t.Fatalf("no metric %q", name)
	}
	if m.Type() != typ {
		t.Fatalf("metric %q is a %s, want %s", name, m.Type(), typ)
	}
	return m
}

// promType is the Prometheus type carried in a metric's metadata.
func promType(m pmetric.Metric) string {
	v, ok := m.Metadata().Get(rowconv.MetadataTypeKey)
	if !ok {
		return ""
	}
	return v.Str()
}

// attrsOf flattens a pcommon.Map for comparisons.
func attrsOf(m pcommon.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.All() {
		out[k] = v.Str()
	}
	return out
}

// reportValue returns the value of a report series (up, ...) in md.
func reportValue(t testing.TB, md pmetric.Metrics, name string) float64 {
	t.Helper()
	m := mustMetric(t, md, name, pmetric.MetricTypeGauge)
	if m.Gauge().DataPoints().Len() != 1 {
		t.Fatalf("%s has %d points", name, m.Gauge().DataPoints().Len())
	}
	return m.Gauge().DataPoints().At(0).DoubleValue()
}

// staleCount counts staleness markers in md.
func staleCount(md pmetric.Metrics) int {
	n := 0
	for _, m := range allMetrics(md) {
		switch m.Type() {
		case pmetric.MetricTypeGauge:
			n += countFlagged(m.Gauge().DataPoints())
		case pmetric.MetricTypeSum:
			n += countFlagged(m.Sum().DataPoints())
		case pmetric.MetricTypeHistogram:
			for _, dp := range m.Histogram().DataPoints().All() {
				if dp.Flags().NoRecordedValue() {
					n++
				}
			}
		case pmetric.MetricTypeSummary:
			for _, dp := range m.Summary().DataPoints().All() {
				if dp.Flags().NoRecordedValue() {
					n++
				}
			}
		}
	}
	return n
}

func countFlagged(dps pmetric.NumberDataPointSlice) int {
	n := 0
	for _, dp := range dps.All() {
		if dp.Flags().NoRecordedValue() {
			n++
		}
	}
	return n
}
