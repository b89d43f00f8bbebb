package zipkinspans

import (
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	zipkinmodel "github.com/openzipkin/zipkin-go/model"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestDecodeRejects checks that each malformed message is refused whole,
// with an error naming the span and what is wrong.
func TestDecodeRejects(t *testing.T) {
	const ok = `{"traceId":"463ac35c9f6413ad","id":"a2fb4a1d1a96d312","name":"get"}`
	for _, tc := range []struct{ name, body, want string }{
		{"not json", `{{`, "want a JSON list"},
		{"object not list", `{"traceId":"1"}`, "want a JSON list"},
		{"truncated", `[` + ok, "unterminated list"},
		{"trailing data", `[` + ok + `] []`, "data after the list"},
		{"unknown field", `[` + ok + `,{"traceId":"1","id":"2","colour":"red"}]`, `span 1: unknown field "colour"`},
		{"trace id too long", `[{"traceId":"463ac35c9f6413ad48485a3953bb612400","id":"1"}]`, "traceId \"463ac35c9f6413ad48485a3953bb612400\": 34 hex digits, want at most 32"},
		{"trace id not hex", `[{"traceId":"xyz","id":"1"}]`, `traceId "xyz": not hex`},
		{"trace id zero", `[{"traceId":"0000000000000000","id":"1"}]`, "all zeros"},
		{"missing trace id", `[{"id":"1"}]`, "traceId: missing"},
		{"span id too long", `[{"traceId":"1","id":"a2fb4a1d1a96d3120"}]`, "id \"a2fb4a1d1a96d3120\": 17 hex digits, want at most 16"},
		{"missing span id", `[{"traceId":"1"}]`, "id: missing"},
		{"parent id too long", `[{"traceId":"1","id":"2","parentId":"00000000000000003"}]`, "parentId"},
		{"bad kind", `[{"traceId":"1","id":"2","kind":"SIDEWAYS"}]`, `kind "SIDEWAYS"`},
		{"negative timestamp", `[{"traceId":"1","id":"2","timestamp":-5}]`, "timestamp -5"},
		{"number tag", `[{"traceId":"1","id":"2","tags":{"http.status_code":200}}]`, `span 0: tags["http.status_code"]: want a string, got a number`},
		{"bad ipv4", `[{"traceId":"1","id":"2","localEndpoint":{"ipv4":"::1"}}]`, "localEndpoint.ipv4"},
		{"bad port", `[{"traceId":"1","id":"2","remoteEndpoint":{"port":70000}}]`, "remoteEndpoint.port 70000"},
		{"string timestamp", `[{"traceId":"1","id":"2","timestamp":"5"}]`, "span 0: timestamp: want an integer, got a string"},
		{"fraction duration", `[{"traceId":"1","id":"2","duration":1.5}]`, "span 0: duration: number at offset 36: want an integer"},
		{"endpoint unknown field", `[{"traceId":"1","id":"2","localEndpoint":{"host":"a"}}]`, `span 0: localEndpoint: unknown field "host"`},
		{"annotation value", `[{"traceId":"1","id":"2","annotations":[{"value":"a"},{"value":1}]}]`, "span 0: annotations[1].value: want a string, got a number"},
		{"deep nesting", `[{"traceId":"1","id":"2","x":` + strings.Repeat("[", 1<<20) + `}]`, `span 0: unknown field "x"`},
		{"deep nesting in a field", `[{"traceId":"1","id":"2","tags":` + strings.Repeat("[", 1<<20) + `}]`, "span 0: tags: want an object, got a list"},
		{"control character", "[{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"a\nb\"}]", `span 0: name: invalid character '\n' in string at offset 34`},
		{"bad escape", `[{"traceId":"1","id":"2","name":"\q"}]`, `span 0: name: invalid character 'q' in string escape`},
		{"truncated span", `[{"traceId":"1","id":"2","name":"a`, "span 0: name: unexpected end of input (unterminated list)"},
		{"null body", `null`, "want a JSON list, got null"},
		{"empty body", ` `, "want a JSON list, got an empty body"},
		{"null span", `[null]`, "span 0: traceId: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans, err := DecodeJSONV2([]byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if spans != nil {
				t.Errorf("a rejected message returned %d spans", len(spans))
			}
		})
	}
}

// TestDecodeResultsIndependent checks that spans do not share memory with
// the pooled decoder: decoding other bodies, one after another and at
// the same time, leaves spans already returned as they were.
func TestDecodeResultsIndependent(t *testing.T) {
	var bodies [][]byte
	for _, name := range []string{"yelp.json", "envoy.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, data)
	}
	bodies = append(bodies, []byte(`[{"traceId":"1","id":"2","name":"\u0041\n","tags":{"\u0061":"\u0062"},"annotations":[{"timestamp":1,"value":"\u00e9"}]}]`))
	var got [][]*zipkinmodel.SpanModel
	for _, b := range bodies {
		spans, err := DecodeJSONV2(b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, spans)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				for _, b := range bodies {
					if _, err := DecodeJSONV2(b); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	for i, b := range bodies {
		want, err := decodeStdlib(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("body %d: spans changed after later decodes:%s\nwant%s", i, spansString(got[i]), spansString(want))
		}
	}
}

// TestSharedAndDebugCarried checks the flags the contrib translator drops
// reach pdata on exactly the spans that have them.
func TestSharedAndDebugCarried(t *testing.T) {
	body := `[
	 {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","kind":"CLIENT","name":"get","debug":true,
	  "localEndpoint":{"serviceName":"productpage"},"remoteEndpoint":{"serviceName":"reviews"}},
	 {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","kind":"SERVER","name":"get","shared":true,
	  "localEndpoint":{"serviceName":"reviews"}},
	 {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a2fb4a1d1a96d312","id":"b7ad6b7169203331","kind":"CLIENT","name":"get",
	  "localEndpoint":{"serviceName":"reviews"}}]`
	spans, err := DecodeJSONV2([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	td, err := Translate(spans, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]bool{}
	EachSpan(td, func(s ptrace.Span) {
		_, shared := s.Attributes().Get(AttrShared)
		_, debug := s.Attributes().Get(AttrDebug)
		got[s.SpanID().String()+"/"+s.Kind().String()] = [2]bool{shared, debug}
	})
	want := map[string][2]bool{
		"a2fb4a1d1a96d312/Client": {false, true},
		"a2fb4a1d1a96d312/Server": {true, false},
		"b7ad6b7169203331/Client": {false, false},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: shared, debug = %v, want %v", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got spans %v", got)
	}
}

// TestSamples decodes the real samples, with Envoy's shared span marked.
func TestSamples(t *testing.T) {
	for name, wantSpans := range map[string]int{"envoy.json": 1, "yelp.json": 16} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		spans, err := DecodeJSONV2(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		td, err := Translate(spans, false)
		if err != nil || td.SpanCount() != wantSpans {
			t.Fatalf("%s: %d spans, %v", name, td.SpanCount(), err)
		}
	}
}
