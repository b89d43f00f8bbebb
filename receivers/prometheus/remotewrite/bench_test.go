package remotewrite

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"

	"github.com/meshlens/meshlens/internal/testutil"
)

// benchSamples is the size of a request Prometheus sends by default
// (queue_config.max_samples_per_send).
const benchSamples = 2000

// benchData are the requests every benchmark runs on, as sub-benchmarks,
// so that each stage can be set against BenchmarkUnmarshal on the same
// data.
var benchData = []struct {
	name   string
	series func(testing.TB) []promSeries
}{
	// Istio's main metrics with twelve labels, in scrape order.
	{"istio12", func(testing.TB) []promSeries { return istioSeries(benchSamples) }},
	// The same, in random order: no two consecutive series share a name.
	{"istio12-shuffled", func(testing.TB) []promSeries { return shuffled(istioSeries(benchSamples)) }},
	// The project's Istio fixture: Istio's full label set, 26 labels
	// besides __name__ (27 with le), 87% of the series histogram buckets.
	{"istio-full", func(tb testing.TB) []promSeries { return istioScraped(tb, benchSamples) }},
}

// forEachData runs f as a sub-benchmark per benchData entry.
func forEachData(b *testing.B, f func(b *testing.B, series []promSeries)) {
	for _, d := range benchData {
		b.Run(d.name, func(b *testing.B) { f(b, d.series(b)) })
	}
}

// benchClock marks the start of a measurement: wall time and the CPU time
// of the whole process (GC workers included). On a shared machine the CPU
// time per sample is the figure that depends least on the neighbours.
type benchClock struct {
	wall time.Time
	cpu  time.Duration
}

func startClock() benchClock { return benchClock{wall: time.Now(), cpu: testutil.ProcessCPU()} }

// reportSamples reports throughput in samples/s (wall), ns/sample (wall)
// and cpu-ns/sample.
func reportSamples(b *testing.B, start benchClock) {
	total := float64(benchSamples) * float64(b.N)
	elapsed := time.Since(start.wall)
	b.ReportMetric(total/elapsed.Seconds(), "samples/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/sample")
	b.ReportMetric(float64((testutil.ProcessCPU()-start.cpu).Nanoseconds())/total, "cpu-ns/sample")
}

func marshal(b *testing.B, m marshaler) []byte {
	raw, err := m.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkUnmarshal is the baseline: protobuf decoding alone with the
// generated code, into a fresh message, as Prometheus' own receiver does.
func BenchmarkUnmarshal(b *testing.B) {
	forEachData(b, func(b *testing.B, series []promSeries) {
		v1raw, v2raw := marshal(b, v1Request(series)), marshal(b, v2Request(series))
		b.Run("v1", func(b *testing.B) {
			b.ReportAllocs()
			start := startClock()
			for b.Loop() {
				var req prompb.WriteRequest
				if err := req.Unmarshal(v1raw); err != nil {
					b.Fatal(err)
				}
			}
			reportSamples(b, start)
		})
		b.Run("v2", func(b *testing.B) {
			b.ReportAllocs()
			start := startClock()
			for b.Loop() {
				var req writev2.Request
				if err := req.Unmarshal(v2raw); err != nil {
					b.Fatal(err)
				}
			}
			reportSamples(b, start)
		})
	})
}

// BenchmarkDecodeConvert measures what the handler does between reading
// the request and calling consume: snappy, protobuf, validation, pdata.
func BenchmarkDecodeConvert(b *testing.B) {
	forEachData(b, func(b *testing.B, series []promSeries) {
		b.Run("v1", func(b *testing.B) { benchDecodeConvert(b, protoV1, marshal(b, v1Request(series))) })
		b.Run("v2", func(b *testing.B) { benchDecodeConvert(b, protoV2, marshal(b, v2Request(series))) })
	})
}

func benchDecodeConvert(b *testing.B, proto protocol, raw []byte) {
	h, _ := newTestHandler(b, Config{})
	body := snappy.Encode(nil, raw)
	r := httptest.NewRequest(http.MethodPost, Path, nil)
	st := new(requestState)
	b.ReportAllocs()
	start := startClock()
	for b.Loop() {
		r.Body = nopCloser{bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
		decoded, rerr := h.readBody(r, st)
		if rerr != nil {
			b.Fatal(rerr)
		}
		bl, rerr := st.decode(proto, decoded)
		if rerr != nil || bl.samples != benchSamples {
			b.Fatal(rerr, bl.samples)
		}
		st.reset()
	}
	reportSamples(b, start)
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// BenchmarkRowconv converts the pdata the handler makes of each request to
// storage rows.
func BenchmarkRowconv(b *testing.B) {
	forEachData(b, func(b *testing.B, series []promSeries) {
		h, s := newTestHandler(b, Config{})
		if w := post(h, ContentTypeV1, "snappy", encode(b, v1Request(series))); w.Code != http.StatusNoContent {
			b.Fatal(w.Code, w.Body)
		}
		md := s.take()[0]
		var c rowconv.Converter
		dst := make([]storage.Sample, 0, benchSamples)
		b.ReportAllocs()
		start := startClock()
		for b.Loop() {
			var err error
			dst, _, err = c.AppendMetrics(dst[:0], md)
			if err != nil || len(dst) != benchSamples {
				b.Fatal(err, len(dst))
			}
		}
		reportSamples(b, start)
	})
}

// BenchmarkPipeline is the whole intake up to storage: ServeHTTP, decode,
// pdata, and rowconv in consume, as the meshlens exporter does.
func BenchmarkPipeline(b *testing.B) {
	forEachData(b, func(b *testing.B, series []promSeries) {
		b.Run("v1", func(b *testing.B) { benchPipeline(b, ContentTypeV1, encode(b, v1Request(series))) })
		b.Run("v2", func(b *testing.B) { benchPipeline(b, ContentTypeV2, encode(b, v2Request(series))) })
	})
}

func benchPipeline(b *testing.B, contentType string, body []byte) {
	var c rowconv.Converter
	dst := make([]storage.Sample, 0, benchSamples)
	h, err := NewHandler(Config{}, func(_ context.Context, md pmetric.Metrics) error {
		var err error
		dst, _, err = c.AppendMetrics(dst[:0], md)
		return err
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := startClock()
	for b.Loop() {
		if w := post(h, contentType, "snappy", body); w.Code != http.StatusNoContent {
			b.Fatal(w.Code, w.Body)
		}
	}
	reportSamples(b, start)
}
