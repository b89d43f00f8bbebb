package zipkinapi

import (
	"encoding/json"
	"testing"

	"github.com/meshlens/meshlens/query/internal/tracetest"
)

// BenchmarkEncodeTrace encodes a 200-span Envoy trace as the /trace answer
// does (conversion plus encoding/json), next to encoding/json of the raw
// storage.Span slice as a baseline.
func BenchmarkEncodeTrace(b *testing.B) {
	trace := tracetest.BigTrace(200)
	b.Run("zipkin", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			data, err := json.Marshal(toSpans(trace.Spans))
			if err != nil {
				b.Fatal(err)
			}
			n = len(data)
		}
		b.ReportMetric(float64(n), "bytes/trace")
	})
	b.Run("baseline_storage_spans", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			data, err := json.Marshal(trace.Spans)
			if err != nil {
				b.Fatal(err)
			}
			n = len(data)
		}
		b.ReportMetric(float64(n), "bytes/trace")
	})
}
