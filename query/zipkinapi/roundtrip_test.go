package zipkinapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/query/internal/tracetest"
)

// TestSamplesRoundTrip stores the Zipkin samples as ingest would, reads
// each trace back through /api/v2/trace/{id} and expects the very spans
// that were sent: ids, shared flags, endpoints, annotations and tags.
func TestSamplesRoundTrip(t *testing.T) {
	for _, name := range []string{"envoy.json", "yelp.json"} {
		t.Run(name, func(t *testing.T) {
			data, spans := tracetest.ZipkinSample(name)
			var sent []Span
			if err := json.Unmarshal(data, &sent); err != nil {
				t.Fatal(err)
			}
			code, _, body := serve(t, &tracetest.Backend{Spans: spans}, "/api/v2/trace/"+sent[0].TraceID)
			if code != http.StatusOK {
				t.Fatalf("%d %s", code, body)
			}
			var got []Span
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			byKey := func(s []Span) { // stored order is start order; compare as sets
				slices.SortFunc(s, func(a, b Span) int { return strings.Compare(a.ID+a.Kind, b.ID+b.Kind) })
			}
			byKey(sent)
			byKey(got)
			if !reflect.DeepEqual(got, sent) {
				for i := range min(len(got), len(sent)) {
					if !reflect.DeepEqual(got[i], sent[i]) {
						t.Errorf("span %d:\n got %+v\nsent %+v", i, got[i], sent[i])
					}
				}
				t.Fatalf("got %d spans, sent %d", len(got), len(sent))
			}
		})
	}
}
