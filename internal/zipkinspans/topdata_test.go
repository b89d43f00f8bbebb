package zipkinspans

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	_ "unsafe" // go:linkname, to read the contrib translator's key list

	"go.opentelemetry.io/collector/pdata/ptrace"

	_ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/translator/zipkin/zipkinv2"
)

// contribNonSpanAttributes is the contrib translator's own list of tags it
// moves to the resource or scope; TestReservedCoversContrib reads it so
// that a new key in a contrib upgrade cannot slip past reservedTag.
//
//go:linkname contribNonSpanAttributes github.com/open-telemetry/opentelemetry-collector-contrib/pkg/translator/zipkin/zipkinv2.nonSpanAttributes
var contribNonSpanAttributes map[string]struct{}

func TestReservedCoversContrib(t *testing.T) {
	if len(contribNonSpanAttributes) < 50 {
		t.Fatalf("read %d keys of the contrib list; the linkname no longer finds it", len(contribNonSpanAttributes))
	}
	for k := range contribNonSpanAttributes {
		if !reservedTag(k) {
			t.Errorf("contrib moves tag %q off the span, but reservedTag does not cover it", k)
		}
	}
	for _, k := range []string{"otlp.link.0", "w3c.tracestate", "otlp.service.name.source"} {
		if !reservedTag(k) {
			t.Errorf("reservedTag does not cover %q", k)
		}
	}
}

// canonical renders td as sorted lines, one per span with its resource
// and scope, independent of the order of resources, spans and attributes
// (the contrib translator's order within a service is its sort's, and its
// attribute order is a Go map's).
func canonical(t testing.TB, td ptrace.Traces) []string {
	var out []string
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		for j := range rs.ScopeSpans().Len() {
			ss := rs.ScopeSpans().At(j)
			for k := range ss.Spans().Len() {
				s := ss.Spans().At(k)
				var evs []any
				for e := range s.Events().Len() {
					ev := s.Events().At(e)
					evs = append(evs, []any{ev.Timestamp(), ev.Name(), ev.Attributes().AsRaw(), ev.DroppedAttributesCount()})
				}
				line, err := json.Marshal([]any{rs.Resource().Attributes().AsRaw(), ss.Scope().Name(), ss.Scope().Version(),
					s.TraceID().String(), s.SpanID().String(), s.ParentSpanID().String(), s.TraceState().AsRaw(), s.Name(), s.Kind().String(),
					s.Status().Code().String(), s.Status().Message(), s.StartTimestamp(), s.EndTimestamp(),
					s.Attributes().AsRaw(), evs, s.Links().Len()})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, string(line))
			}
		}
	}
	slices.Sort(out)
	return out
}

// sameAsContrib checks that the direct translation of body, when direct
// takes it, equals the contrib translator's, and that it makes one
// resource per service. It reports whether direct took it.
func sameAsContrib(t testing.TB, body []byte) bool {
	spans, err := DecodeJSONV2(body)
	if err != nil || !direct(spans) {
		return false
	}
	got := translateDirect(spans)
	again, _ := DecodeJSONV2(body) // the contrib translator gets its own copy
	want, err := translateContrib(again, false)
	if err != nil {
		t.Fatalf("the contrib translator refused what the direct one took: %v", err)
	}
	g, w := canonical(t, got), canonical(t, want)
	if !slices.Equal(g, w) {
		t.Fatalf("direct translation differs from the contrib translator's:\ndirect:\n%s\ncontrib:\n%s", lines(g), lines(w))
	}
	seen := map[string]bool{}
	for i := range got.ResourceSpans().Len() {
		name := fmt.Sprint(got.ResourceSpans().At(i).Resource().Attributes().AsRaw())
		if seen[name] {
			t.Fatalf("resource %s appears twice", name)
		}
		seen[name] = true
	}
	return true
}

func lines(l []string) string {
	var s string
	for _, x := range l {
		s += "  " + x + "\n"
	}
	return s
}

// directCases cover each rule of the direct translation.
var directCases = []string{
	`[{"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","parentId":"0f0f0f0f0f0f0f0f","kind":"CLIENT","name":"get /",
	  "timestamp":1700000000000000,"duration":1500,"debug":true,"localEndpoint":{"serviceName":"productpage","ipv4":"10.0.0.1","port":9080},
	  "remoteEndpoint":{"serviceName":"reviews","ipv6":"2001:db8::1","port":9080},
	  "tags":{"http.status_code":"503","error":"true","upstream_cluster":"outbound|9080||reviews","response_flags":"UF,URX"},
	  "annotations":[{"timestamp":1700000000000100,"value":"ws"},{"timestamp":1700000000000200,"value":"a|b"}]}]`,
	`[{"traceId":"a2fb4a1d1a96d312","id":"a2fb4a1d1a96d312","parentId":"a2fb4a1d1a96d312","kind":"SERVER","shared":true,"name":"x",
	  "localEndpoint":{"serviceName":"reviews"},"tags":{"error":"boom","otel.status_code":"Ok","otel.status_description":"fine"}}]`,
	`[{"traceId":"1","id":"2","tags":{"span.kind":"internal"}},{"traceId":"1","id":"3","tags":{"span.kind":"producer"}},
	  {"traceId":"1","id":"4","kind":"CONSUMER","tags":{"span.kind":"internal","otel.status_description":"alone"}},
	  {"traceId":"1","id":"5","kind":"PRODUCER","localEndpoint":{"serviceName":"b"}},{"traceId":"1","id":"6","localEndpoint":{"serviceName":"a"}},
	  {"traceId":"1","id":"7","localEndpoint":{"serviceName":"b"},"tags":{"otel.status_code":"bogus"}}]`,
	`[]`,
}

func TestDirectMatchesContrib(t *testing.T) {
	bodies := directCases
	for _, name := range []string{"envoy.json", "yelp.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(data))
	}
	for i, body := range bodies {
		if !sameAsContrib(t, []byte(body)) {
			t.Errorf("body %d: the direct translation did not take it", i)
		}
	}
}

func TestDirectDeclines(t *testing.T) {
	for _, body := range []string{
		`[{"traceId":"1","id":"2","tags":{"service.version":"1"}}]`,
		`[{"traceId":"1","id":"2","tags":{"otel.scope.name":"x"}}]`,
		`[{"traceId":"1","id":"2","tags":{"otlp.link.0":"463ac35c9f6413ad48485a3953bb6124|a2fb4a1d1a96d312||{}|0"}}]`,
		`[{"traceId":"1","id":"2","tags":{"w3c.tracestate":"a=b"}}]`,
		`[{"traceId":"1","id":"2","annotations":[{"timestamp":1,"value":"e|{\"k\":1}|0"}]}]`,
	} {
		spans, err := DecodeJSONV2([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if direct(spans) {
			t.Errorf("direct took %s", body)
		}
		td, err := Translate(spans, false) // by the contrib translator
		if err != nil {
			t.Errorf("Translate(%s): %v", body, err)
		} else if td.SpanCount() != 1 {
			t.Errorf("Translate(%s): %d spans", body, td.SpanCount())
		}
	}
}

// FuzzDirectMatchesContrib holds the direct translation to the contrib
// translator's output on every input both take.
func FuzzDirectMatchesContrib(f *testing.F) {
	addSamples(f)
	for _, c := range directCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameAsContrib(t, data) })
}
