package jaegerapi

import (
	"encoding/json"
	"testing"

	"github.com/meshlens/meshlens/query/internal/tracetest"
	"github.com/meshlens/meshlens/storage"
)

// BenchmarkEncodeTrace encodes a 200-span Envoy trace (100 B3 shared
// client/server pairs) as /api/traces/{id} and /api/v3/traces/{id} do
// (adjusting, converting and encoding), next to encoding/json of the raw
// storage.Span slice as a baseline.
func BenchmarkEncodeTrace(b *testing.B) {
	trace := tracetest.BigTrace(200)
	run := func(name string, encode func() ([]byte, error)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				data, err := encode()
				if err != nil {
					b.Fatal(err)
				}
				n = len(data)
			}
			b.ReportMetric(float64(n), "bytes/trace")
		})
	}
	run("jaeger_v1", func() ([]byte, error) {
		return json.Marshal(&response{Data: uiTraces([]storage.Trace{trace}, true)})
	})
	run("jaeger_v3_otlp", func() ([]byte, error) {
		res, err := otlpResult([]storage.Trace{trace}, true)
		if err != nil {
			return nil, err
		}
		return json.Marshal(res)
	})
	run("baseline_storage_spans", func() ([]byte, error) { return json.Marshal(trace.Spans) })
}
