package remotewrite

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/embedded"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// BenchmarkIngestTSDB is remote-write ingest end to end into the embedded
// backend's TSDB (WAL included): ServeHTTP, decode, pdata, rowconv and
// AppendSamples, as the meshlens exporter does. Each request carries the
// next scrape's samples (+15s) of the same 2,000 series, as a Prometheus
// sender would; encoding that request is outside the timer. Compare with
// BenchmarkPipeline (the same without storage) in the same run.
func BenchmarkIngestTSDB(b *testing.B) {
	series := istioSeries(benchSamples)
	backend, err := embedded.Open(embedded.Config{Path: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer backend.Close()
	var c rowconv.Converter
	dst := make([]storage.Sample, 0, benchSamples)
	h, err := NewHandler(Config{}, func(ctx context.Context, md pmetric.Metrics) error {
		var err error
		if dst, _, err = c.AppendMetrics(dst[:0], md); err != nil {
			return err
		}
		return backend.AppendSamples(ctx, dst)
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	next := func(step int64) []byte {
		for i := range series {
			for j := range series[i].samples {
				series[i].samples[j].Timestamp += step
				series[i].samples[j].Value++
			}
		}
		return encode(b, v1Request(series))
	}
	// The first request creates the series; the benchmark measures appends.
	if w := post(h, ContentTypeV1, "snappy", next(0)); w.Code != http.StatusNoContent {
		b.Fatal(w.Code, w.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		body := next(15_000)
		b.StartTimer()
		if w := post(h, ContentTypeV1, "snappy", body); w.Code != http.StatusNoContent {
			b.Fatal(w.Code, w.Body)
		}
	}
	// b.Elapsed excludes the stopped encoding time.
	total := float64(benchSamples) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/sample")
}
