package telemetry

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/meshlens/meshlens/proxy/telemetry/b3"
)

// TestSpanJSONMatchesZipkinGo: the fast encoder writes exactly the bytes
// zipkin-go's model marshals to, for every shape of span.
func TestSpanJSONMatchesZipkinGo(t *testing.T) {
	tel := newTracing(t, 100, func(c *Config) {
		c.Identity = Identity{Workload: "ProductPage-v1", Namespace: "default", App: "ProductPage", Version: "v1",
			IP: "10.244.0.9", MeshID: "cluster.local", Zone: "zone<a>&b"}
	})
	recs := sampleRecords()
	odd := recs[0]
	odd.UserAgent = "Mozilla/5.0 <script>&\"quotes\"\\ \u2028 \x01 \b\f \xff é"
	odd.Path = "/a?b=<c>&d"
	odd.Start = time.Time{}
	odd.Duration = 300 * time.Nanosecond
	noName := recs[3]
	noName.Authority, noName.Path = "", ""
	hostOnly := recs[0]
	hostOnly.UpstreamHost = "reviews:9080"
	hostOnly.Destination = Peer{}
	var addrs []spanItem
	for _, a := range []string{"[::ffff:10.0.0.1]:80", "[fe80::1%eth0]:8080", "10.0.0.1:0", "host:99999", "10.1.2.3", "[2001:DB8::1]:1"} {
		in := recs[1]
		in.DownstreamRemoteAddress = a
		in.Source = Peer{}
		out := recs[0]
		out.UpstreamHost = a
		out.Destination = Peer{}
		addrs = append(addrs, spanItem{rec: in, ctx: b3.Context{TraceID: 1, SpanID: 2}}, spanItem{rec: out, ctx: b3.Context{TraceID: 3, SpanID: 4}})
	}
	items := []spanItem{
		{rec: recs[0], ctx: b3.Context{TraceID: 1, SpanID: 1, Sampled: b3.Accept}},
		{rec: recs[1], ctx: b3.Context{TraceIDHigh: 0xabc, TraceID: 2, SpanID: 3, ParentID: 4, Debug: true}, shared: true},
		{rec: recs[2], ctx: b3.Context{TraceID: 5, SpanID: 6}},
		{rec: recs[3], ctx: b3.Context{TraceID: 7, SpanID: 8}},
		{rec: odd, ctx: b3.Context{TraceID: 9, SpanID: 10}},
		{rec: noName, ctx: b3.Context{TraceID: 11, SpanID: 12}},
		{rec: hostOnly, ctx: b3.Context{TraceID: 13, SpanID: 14}},
	}
	items = append(items, addrs...)
	for i := range items {
		tel.complete(&items[i].rec)
		var s model.SpanModel
		tel.buildSpan(&items[i], &s)
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got := tel.appendSpanJSON(&items[i], nil)
		if !bytes.Equal(got, want) {
			t.Errorf("item %d:\n got  %s\n want %s", i, got, want)
		}
	}
	// What zipkin-go refuses, the encoder skips.
	bad := spanItem{rec: recs[0], ctx: b3.Context{TraceID: 1, SpanID: 1}}
	bad.rec.Duration = -time.Second
	if got := tel.appendSpanJSON(&bad, []byte("x")); string(got) != "x" {
		t.Errorf("a negative duration encoded as %s", got)
	}
	bad.rec.Duration, bad.rec.Start = 0, time.Unix(0, 5)
	if got := tel.appendSpanJSON(&bad, nil); len(got) != 0 {
		t.Errorf("a start at the epoch encoded as %s", got)
	}
}

func BenchmarkSpanJSON(b *testing.B) {
	cfg := DefaultConfig()
	cfg.AccessLog.Output = OutputOff
	cfg.Identity = Identity{Workload: "productpage-v1", Namespace: "default", App: "productpage", Version: "v1"}
	tel, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	it := spanItem{rec: sampleRecords()[0], ctx: b3.Context{TraceID: 1, SpanID: 2, ParentID: 3}}
	buf := make([]byte, 0, 4096)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = tel.appendSpanJSON(&it, buf[:0])
		}
	})
	b.Run("zipkin-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s model.SpanModel
			tel.buildSpan(&it, &s)
			if _, err := json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
