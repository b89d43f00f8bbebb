package zipkinspans

import (
	"os"
	"testing"
)

// FuzzDecodeJSONV2 checks that no input crashes decoding or translation,
// and that what decodes translates to as many spans.
func FuzzDecodeJSONV2(f *testing.F) {
	for _, name := range []string{"envoy.json", "yelp.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"traceId":"1","id":"2","shared":true,"kind":"SERVER"}]`))
	f.Add([]byte(`[{"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"2","tags":{"a":"b"},"annotations":[{"timestamp":1,"value":"x"}]}]`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		spans, err := DecodeJSONV2(data)
		if err != nil {
			return
		}
		td, err := Translate(spans, true)
		if err != nil {
			return // the translator's own refusals (e.g. a bad tag value) are errors, not crashes
		}
		if td.SpanCount() != len(spans) {
			t.Fatalf("%d spans decoded, %d translated", len(spans), td.SpanCount())
		}
	})
}
