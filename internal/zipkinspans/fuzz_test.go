package zipkinspans

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"

	zipkinmodel "github.com/openzipkin/zipkin-go/model"
)

// addSamples seeds f with the real Zipkin batches in testdata.
func addSamples(f *testing.F) {
	for _, name := range []string{"envoy.json", "yelp.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzDecodeJSONV2 checks that no input crashes decoding or translation,
// and that what decodes translates to as many spans.
func FuzzDecodeJSONV2(f *testing.F) {
	addSamples(f)
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

// FuzzDecodeMatchesStdlib checks DecodeJSONV2 (goccy/go-json) against the
// same strict decoding done with encoding/json: both accept or both
// reject, and what they accept converts to the same spans.
func FuzzDecodeMatchesStdlib(f *testing.F) {
	addSamples(f)
	for _, s := range []string{`[{"traceId":"1","id":"2","shared":true,"kind":"SERVER"}]`, `[{"TRACEID":"1","Id":"2"}]`,
		`[{"traceId":"1","id":"2","tags":{"a":1}}]`, `[{"traceId":"1","id":"2","timestamp":1.5}]`, `[{"traceId":"1","id":"2","x":1}]`,
		`[{"traceId":"1","id":"2","name":"\ud800"}]`, "[{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"\xff\"}]", `[] x`, `[{"traceId":"1","id":"2"},]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr := DecodeJSONV2(data)
		want, wantErr := decodeStdlib(data)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("goccy: %v; encoding/json: %v", gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("goccy decoded %+v, encoding/json %+v", got, want)
		}
	})
}

// decodeStdlib is DecodeJSONV2 with encoding/json.
func decodeStdlib(data []byte) ([]*zipkinmodel.SpanModel, error) {
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []jsonSpan
	if err := dec.Decode(&list); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the list")
	}
	if list == nil {
		return nil, errors.New("not a list")
	}
	var out []*zipkinmodel.SpanModel
	for i := range list {
		s, err := list[i].model()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
