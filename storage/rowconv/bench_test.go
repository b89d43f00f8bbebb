package rowconv

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/internal/istiotest"
)

// The Istio-shaped remote-write batch (flattened series, one point each) is
// benchmarked end to end in receivers/prometheus/remotewrite; these cover
// the pdata kinds that package never produces.

// histogramBatch returns n histogram points of istio_request_duration_milliseconds
// across distinct edges, each with ten attributes, as an OTLP or scrape
// receiver would hand them over.
func histogramBatch(n int) pmetric.Metrics {
	md, m := newMetric(map[string]any{"job": "istio-mesh", "instance": "10.1.2.3:15090"})
	m.SetName("istio_request_duration_milliseconds")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	counts := make([]uint64, len(istiotest.Buckets)+1)
	for i := range counts {
		counts[i] = uint64(i % 4)
	}
	for i := range n {
		p := h.DataPoints().AppendEmpty()
		putAttrs(p.Attributes(),
			"connection_security_policy", "mutual_tls",
			"destination_app", fmt.Sprintf("svc-%d", i%40),
			"destination_service", fmt.Sprintf("svc-%d.default.svc.cluster.local", i%40),
			"destination_version", "v1",
			"destination_workload", fmt.Sprintf("svc-%d-v1", i%40),
			"reporter", "destination",
			"request_protocol", "http",
			"response_code", []string{"200", "404", "503"}[i%3],
			"source_app", fmt.Sprintf("client-%d", i/120),
			"source_workload", fmt.Sprintf("client-%d-v1", i/120))
		p.SetTimestamp(1_700_000_000_000_000_000)
		p.ExplicitBounds().FromRaw(istiotest.Buckets)
		p.BucketCounts().FromRaw(counts)
		p.SetCount(50)
		p.SetSum(1234.5)
	}
	return md
}

func BenchmarkAppendMetricsHistogram(b *testing.B) {
	md := histogramBatch(100)
	var c Converter
	dst, _, err := c.AppendMetrics(nil, md)
	if err != nil {
		b.Fatal(err)
	}
	perBatch := len(dst)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		dst, _, _ = c.AppendMetrics(dst[:0], md)
	}
	reportSamples(b, perBatch, time.Since(start))
}

// reportSamples reports throughput in samples/s and ns/sample.
func reportSamples(b *testing.B, perOp int, elapsed time.Duration) {
	total := float64(perOp) * float64(b.N)
	b.ReportMetric(total/elapsed.Seconds(), "samples/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/sample")
}
