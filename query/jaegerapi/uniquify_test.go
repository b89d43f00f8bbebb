package jaegerapi

import (
	"reflect"
	"testing"

	"github.com/meshlens/meshlens/query/internal/tracetest"
	"github.com/meshlens/meshlens/storage"
)

func TestUniquifySpanIDs(t *testing.T) {
	type span struct {
		id, parent uint64
		kind       storage.SpanKind
	}
	cases := []struct {
		name     string
		in, want []span
	}{
		{"no shared ids: unchanged",
			[]span{{10, 0, "server"}, {11, 10, "client"}, {12, 11, "server"}},
			[]span{{10, 0, "server"}, {11, 10, "client"}, {12, 11, "server"}}},
		{"shared server span gets id 1 under its client; its children follow",
			[]span{{10, 0, "server"}, {11, 10, "client"}, {11, 10, "server"}, {12, 11, "client"}, {13, 11, ""}},
			[]span{{10, 0, "server"}, {11, 10, "client"}, {1, 11, "server"}, {12, 1, "client"}, {13, 1, ""}}},
		{"new ids skip ids in use",
			[]span{{1, 0, "client"}, {1, 0, "server"}, {2, 0, "client"}, {2, 0, "server"}, {3, 2, "client"}},
			[]span{{1, 0, "client"}, {4, 1, "server"}, {2, 0, "client"}, {5, 2, "server"}, {3, 5, "client"}}},
		{"shared root server span without a client (Envoy ingress): unchanged",
			[]span{{10, 0, "server"}, {11, 10, "client"}},
			[]span{{10, 0, "server"}, {11, 10, "client"}}},
		{"two server spans, one id: not shared with a client, unchanged",
			[]span{{10, 0, "server"}, {10, 0, "server"}},
			[]span{{10, 0, "server"}, {10, 0, "server"}}},
	}
	for _, c := range cases {
		in := make([]storage.Span, len(c.in))
		for i, s := range c.in {
			in[i] = storage.Span{SpanID: s.id, ParentID: s.parent, Kind: s.kind}
		}
		before := append([]storage.Span(nil), in...)
		out := uniquifySpanIDs(in)
		got := make([]span, len(out))
		for i, s := range out {
			got[i] = span{s.SpanID, s.ParentID, s.Kind}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, got, c.want)
		}
		if !reflect.DeepEqual(in, before) {
			t.Errorf("%s: input modified", c.name)
		}
	}
}

// TestYelpSample shows the Jaeger view of Yelp's Zipkin trace, whose two
// shared server spans reuse their client spans' ids: each server span gets
// an id of its own under its client span.
func TestYelpSample(t *testing.T) {
	_, spans := tracetest.ZipkinSample("yelp.json")
	code, body := serve(t, &tracetest.Backend{Spans: spans}, "/api/traces/a03ee8fff1dcd9b9")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	tracetest.Golden(t, "testdata/golden/trace_yelp.json", []byte(body), *update)
	ids := map[string]int{}
	for _, s := range decodeTrace(t, body).Spans {
		ids[s.SpanID]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("span id %s appears %d times", id, n)
		}
	}
}
