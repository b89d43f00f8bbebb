package jaegerapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/query/internal/tracetest"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// TestV3RoundTrip reads traces back from /api/v3 as a client would
// (OTLP JSON into ptrace, then ingest's conversion) and expects the stored
// rows: raw traces exactly, adjusted ones with the shared server span
// renamed.
func TestV3RoundTrip(t *testing.T) {
	stored := tracetest.Spans()
	for _, c := range []struct {
		url     string
		want    []storage.Span
		renamed bool
	}{
		{"/api/v3/traces/" + mesh + "?rawTraces=true", stored[:4], false},
		{"/api/v3/traces/" + otel, stored[4:], false},
		{"/api/v3/traces/" + mesh, stored[:4], true},
	} {
		code, body := serve(t, tracetest.NewBackend(), c.url)
		if code != 200 {
			t.Fatalf("%s: %d %s", c.url, code, body)
		}
		var res struct{ Result json.RawMessage }
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(res.Result)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rowconv.SpansFromTraces(td, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := c.want
		if c.renamed {
			want = uniquifySpanIDs(want)
			if want[2].SpanID != 1 || want[2].ParentID != tracetest.SharedSpanID || want[3].ParentID != 1 {
				t.Fatalf("uniquifier did not rename the shared span: %+v", want)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.url, got, want)
		}
	}
}
