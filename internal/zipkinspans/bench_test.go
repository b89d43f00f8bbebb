package zipkinspans

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkDecodeJSONV2 measures strict decoding of the Yelp sample (16
// spans of many tags), per span.
func BenchmarkDecodeJSONV2(b *testing.B) {
	data, err := os.ReadFile("testdata/yelp.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		spans, err := DecodeJSONV2(data)
		if err != nil || len(spans) != 16 {
			b.Fatalf("%d spans, %v", len(spans), err)
		}
	}
	b.ReportMetric(float64(16*b.N)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkDecodeJSONV2Compact is BenchmarkDecodeJSONV2 on the Yelp sample
// without whitespace, as tracers send it.
func BenchmarkDecodeJSONV2Compact(b *testing.B) {
	data, err := os.ReadFile("testdata/yelp.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		b.Fatal(err)
	}
	data = compact.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		spans, err := DecodeJSONV2(data)
		if err != nil || len(spans) != 16 {
			b.Fatalf("%d spans, %v", len(spans), err)
		}
	}
	b.ReportMetric(float64(16*b.N)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkDecodeAndTranslate measures decoding plus the translation to
// pdata (the translator edits its input, so each round decodes afresh).
func BenchmarkDecodeAndTranslate(b *testing.B) {
	data, err := os.ReadFile("testdata/yelp.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		spans, err := DecodeJSONV2(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Translate(spans, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(16*b.N)/b.Elapsed().Seconds(), "spans/s")
}
