package zipkinspans

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
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
	for _, s := range matchCases {
		f.Add([]byte(s))
	}
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

// matchCases are inputs where a hand-written decoder is easily unlike
// encoding/json: name folding, duplicates, null, string escapes, number
// forms, the reuse of a repeated list's elements, nesting, whitespace.
var matchCases = []string{
	`[{"traceId":"1","id":"2","shared":true,"kind":"SERVER"}]`,
	`[{"TRACEID":"1","Id":"2"}]`,
	// folding: U+212A KELVIN SIGN is 'k', U+017F LONG S is 's'; U+0131 is no 'i'
	`[{"traceId":"1","id":"2","\u212aind":"client","\u017fhared":true,"TAG\u017f":{}}]`,
	"[{\"traceId\":\"1\",\"id\":\"2\",\"\xe2\x84\xaaIND\":\"server\",\"ſHARED\":true}]",
	`[{"trac\u0131Id":"1","id":"2"}]`,
	`[{"traceId":"1","id":"2","\u0074ags":{"\u0061b":"\u0063d"}}]`,
	// duplicates: last wins, objects merge, null clears pointers, lists and maps only
	`[{"traceId":"1","id":"2","TRACEID":"3","name":"a","name":null,"debug":true,"debug":null}]`,
	`[{"traceId":"1","id":"2","timestamp":5,"timestamp":null,"duration":7,"DURATION":8}]`,
	`[{"traceId":"1","id":"2","localEndpoint":{"serviceName":"a","port":1},"localEndpoint":{"port":null,"ipv4":"1.2.3.4"}}]`,
	`[{"traceId":"1","id":"2","remoteEndpoint":{"serviceName":"a"},"remoteEndpoint":null,"remoteEndpoint":{"port":9}}]`,
	`[{"traceId":"1","id":"2","tags":{"a":"1","b":null},"tags":{"c":"2","a":"3","\u0061":"4"}}]`,
	`[{"traceId":"1","id":"2","tags":{"a":"1"},"tags":null,"tags":{}}]`,
	`[{"traceId":"1","id":"2","tags":{}}]`,
	`[{"traceId":"1","id":"2","annotations":[{"timestamp":1,"value":"a"},{"timestamp":2,"value":"b"}],"annotations":[{"value":"c"}],"annotations":[null,null]}]`,
	`[{"traceId":"1","id":"2","annotations":[{"timestamp":1,"value":"a"}],"annotations":[],"annotations":[null]}]`,
	`[{"traceId":"1","id":"2","annotations":[{"timestamp":1}],"annotations":null,"annotations":[{"VALUE":"x","timestamp":null}]}]`,
	`[{"traceId":"1","id":"2"},{"traceId":"1","id":"3","annotations":[null]}]`,
	// strings
	`[{"traceId":"1","id":"2","name":"a\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00\u0000"}]`,
	`[{"traceId":"1","id":"2","name":"\ud800"}]`,
	`[{"traceId":"1","id":"2","name":"\udc00\ud800\u0041\ud800\ud800\udc00"}]`,
	"[{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"\xff\"}]",
	"[{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"\xed\xa0\x80 \xef\xbf\xbd \xe2\x82\"}]",
	"[{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"a\x01\"}]",
	`[{"traceId":"1","id":"2","name":"\x"}]`,
	`[{"traceId":"1","id":"2","name":"\u12"}]`,
	`[{"traceId":"1","id":"2","name":"\u12g4"}]`,
	`[{"traceId":"\u0031","id":"\u0032","parentId":"\u0030"}]`,
	`[{"traceId":"1","id":"2","kind":"client"},{"traceId":"1","id":"2","kind":""}]`,
	// numbers
	`[{"traceId":"1","id":"2","timestamp":-0}]`,
	`[{"traceId":"1","id":"2","timestamp":01}]`,
	`[{"traceId":"1","id":"2","timestamp":+1}]`,
	`[{"traceId":"1","id":"2","timestamp":.5}]`,
	`[{"traceId":"1","id":"2","timestamp":1.5}]`,
	`[{"traceId":"1","id":"2","timestamp":1.0}]`,
	`[{"traceId":"1","id":"2","timestamp":1e3}]`,
	`[{"traceId":"1","id":"2","timestamp":1.}]`,
	`[{"traceId":"1","id":"2","timestamp":-}]`,
	`[{"traceId":"1","id":"2","timestamp":9223372036854775807}]`,
	`[{"traceId":"1","id":"2","timestamp":9223372036854775808}]`,
	`[{"traceId":"1","id":"2","annotations":[{"timestamp":-9223372036854775808}]}]`,
	`[{"traceId":"1","id":"2","annotations":[{"timestamp":-9223372036854775809}]}]`,
	`[{"traceId":"1","id":"2","localEndpoint":{"port":-1}}]`,
	`[{"traceId":"1","id":"2","localEndpoint":{"port":"80"}}]`,
	// types and literals
	`[{"traceId":"1","id":"2","tags":{"a":1}}]`,
	`[{"traceId":"1","id":"2","tags":{"a":true}}]`,
	`[{"traceId":"1","id":"2","debug":TRUE}]`,
	`[{"traceId":"1","id":"2","debug":"true"}]`,
	`[{"traceId":"1","id":"2","debug":nul}]`,
	`[{"traceId":"1","id":"2","timestamp":"1"}]`,
	`[{"traceId":"1","id":"2","name":1}]`,
	`[{"traceId":"1","id":"2","localEndpoint":[]}]`,
	`[{"traceId":"1","id":"2","annotations":{}}]`,
	`[{"traceId":"1","id":"2","x":1}]`,
	`[{"traceId":"1","id":"2","localEndpoint":{"x":1}}]`,
	`[{"traceId":"1","id":"2","annotations":[{"x":1}]}]`,
	`[{"traceId":"1","id":"2","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]`,
	// structure and whitespace
	"\t\r\n [ {\"traceId\" : \"1\" , \"id\":\"2\"} ] \n",
	"[{\"traceId\":\"1\",\"id\":\"2\"}]\f",
	`[{"traceId":"1","id":"2",}]`,
	`[{"traceId":"1","id":"2"},]`,
	`[{"traceId":"1","id":"2"}{}]`,
	`[{"traceId":"1","id":"2"} x]`,
	`[{"traceId":"1","id":"2"`,
	`[{"traceId":"1","id"`,
	`[] x`, `[]]`, `[]`, ` [ ] `, `[null]`, `[1]`, `[[]]`, `null`, `{}`, `""`, ``, `[`, `[,]`,
}

// FuzzDecodeMatchesStdlib checks DecodeJSONV2 (the hand-written scanner)
// against the same strict decoding done with encoding/json: both accept or
// both reject, and what they accept converts to the same spans.
func FuzzDecodeMatchesStdlib(f *testing.F) {
	addSamples(f)
	for _, s := range matchCases {
		f.Add([]byte(s))
	}
	f.Fuzz(checkMatchesStdlib)
}

// TestDecodeMatchesStdlib runs the cases of FuzzDecodeMatchesStdlib that
// exercise encoding/json's corners (also run as its seeds, listed here so
// that a failure names the case).
func TestDecodeMatchesStdlib(t *testing.T) {
	accepted := 0
	for _, c := range matchCases {
		t.Run(c, func(t *testing.T) {
			checkMatchesStdlib(t, []byte(c))
			if _, err := decodeStdlib([]byte(c)); err == nil {
				accepted++
			}
		})
	}
	// The cases are meant to probe both sides of the line.
	if accepted < 20 || accepted > len(matchCases)-20 {
		t.Errorf("%d of %d cases accepted", accepted, len(matchCases))
	}
}

func checkMatchesStdlib(t *testing.T, data []byte) {
	got, gotErr := DecodeJSONV2(data)
	want, wantErr := decodeStdlib(data)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("DecodeJSONV2: %v; encoding/json: %v", gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeJSONV2 decoded %s\nencoding/json decoded %s", spansString(got), spansString(want))
	}
	if gotErr != nil && got != nil {
		t.Fatalf("rejected (%v) but returned %d spans", gotErr, len(got))
	}
}

// spansString shows spans with their contents rather than addresses.
func spansString(spans []*zipkinmodel.SpanModel) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n\t%+v", *s)
		if s.ParentID != nil {
			fmt.Fprintf(&b, " parent %v", *s.ParentID)
		}
		for _, e := range []*zipkinmodel.Endpoint{s.LocalEndpoint, s.RemoteEndpoint} {
			if e != nil {
				fmt.Fprintf(&b, " endpoint %+v", *e)
			}
		}
	}
	return b.String()
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
