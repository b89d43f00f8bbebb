package zipkinspans

import (
	"os"
	"strings"
	"testing"

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
		{"unknown field", `[` + ok + `,{"traceId":"1","id":"2","colour":"red"}]`, `span 1: json: unknown field "colour"`},
		{"trace id too long", `[{"traceId":"463ac35c9f6413ad48485a3953bb612400","id":"1"}]`, "traceId \"463ac35c9f6413ad48485a3953bb612400\": 34 hex digits, want at most 32"},
		{"trace id not hex", `[{"traceId":"xyz","id":"1"}]`, `traceId "xyz": not hex`},
		{"trace id zero", `[{"traceId":"0000000000000000","id":"1"}]`, "all zeros"},
		{"missing trace id", `[{"id":"1"}]`, "traceId: missing"},
		{"span id too long", `[{"traceId":"1","id":"a2fb4a1d1a96d3120"}]`, "id \"a2fb4a1d1a96d3120\": 17 hex digits, want at most 16"},
		{"missing span id", `[{"traceId":"1"}]`, "id: missing"},
		{"parent id too long", `[{"traceId":"1","id":"2","parentId":"00000000000000003"}]`, "parentId"},
		{"bad kind", `[{"traceId":"1","id":"2","kind":"SIDEWAYS"}]`, `kind "SIDEWAYS"`},
		{"negative timestamp", `[{"traceId":"1","id":"2","timestamp":-5}]`, "timestamp -5"},
		{"number tag", `[{"traceId":"1","id":"2","tags":{"http.status_code":200}}]`, "span 0: json: cannot unmarshal number"},
		{"bad ipv4", `[{"traceId":"1","id":"2","localEndpoint":{"ipv4":"::1"}}]`, "localEndpoint.ipv4"},
		{"bad port", `[{"traceId":"1","id":"2","remoteEndpoint":{"port":70000}}]`, "remoteEndpoint.port 70000"},
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
