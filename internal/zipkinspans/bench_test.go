package zipkinspans

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// yelpSpans is the number of spans in testdata/yelp.json.
const yelpSpans = 16

// benchDecode measures strict decoding of data (the Yelp sample, 16 spans
// of many tags), per span.
func benchDecode(b *testing.B, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		spans, err := DecodeJSONV2(data)
		if err != nil || len(spans) != yelpSpans {
			b.Fatalf("%d spans, %v", len(spans), err)
		}
	}
	b.ReportMetric(float64(yelpSpans*b.N)/b.Elapsed().Seconds(), "spans/s")
}

func readYelp(b *testing.B) []byte {
	data, err := os.ReadFile("testdata/yelp.json")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecodeJSONV2 decodes the Yelp sample as stored (indented).
func BenchmarkDecodeJSONV2(b *testing.B) { benchDecode(b, readYelp(b)) }

// BenchmarkDecodeJSONV2Compact decodes the Yelp sample without
// whitespace, as tracers send it.
func BenchmarkDecodeJSONV2Compact(b *testing.B) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, readYelp(b)); err != nil {
		b.Fatal(err)
	}
	benchDecode(b, compact.Bytes())
}

// BenchmarkDecodeAndTranslate measures decoding plus the translation to
// pdata (the translator takes ownership of its input, so each round
// decodes afresh).
func BenchmarkDecodeAndTranslate(b *testing.B) {
	data := readYelp(b)
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
	b.ReportMetric(float64(yelpSpans*b.N)/b.Elapsed().Seconds(), "spans/s")
}
