package tracetest

import (
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// BigTrace returns an n-span mesh trace shaped like production Envoy
// traffic: a fan-out over ten services where every call is a client span
// plus a B3 shared server span with the same id, each with Envoy's usual
// tags, and a retry event on every tenth client span.
func BigTrace(n int) storage.Trace {
	id := storage.TraceID{High: 0x4e441824ec2b6a44, Low: 0xffdc9bb9a6453df3}
	spans := make([]storage.Span, 0, n)
	root := uint64(0x1000)
	spans = append(spans, storage.Span{
		TraceID: id, SpanID: root, Service: "frontend", Name: "GET /checkout", Kind: "server",
		Start: Base, DurationMicros: 500_000, HTTPMethod: "GET", HTTPStatus: 200, RequestID: RequestID,
		ResponseFlags: "-", UpstreamCluster: "inbound|8080||",
		Attrs: kv("component", "proxy", "net.host.ip", "10.0.0.1", "node_id", "sidecar~10.0.0.1~frontend.default"),
	})
	for i := 1; len(spans) < n; i++ {
		caller := fmt.Sprintf("svc-%d", (i-1)%10)
		callee := fmt.Sprintf("svc-%d", i%10)
		sid := root + uint64(i)
		start := Base.Add(time.Duration(i) * time.Millisecond)
		client := storage.Span{
			TraceID: id, SpanID: sid, ParentID: root, Service: caller, Kind: "client",
			Name:  callee + ".default.svc.cluster.local:8080/*",
			Start: start, DurationMicros: 4_000, HTTPMethod: "GET", HTTPStatus: 200, RequestID: RequestID,
			ResponseFlags: "-", PeerService: callee, UpstreamCluster: "outbound|8080||" + callee + ".default.svc.cluster.local",
			Attrs: kv("component", "proxy", "http.url", "http://"+callee+":8080/api/items/42",
				"net.peer.ip", "10.0.1.2", "net.peer.port", "8080", "user_agent", "Go-http-client/1.1"),
		}
		if i%10 == 0 {
			client.Events = []storage.SpanEvent{{Time: start.Add(time.Millisecond), Name: "retry", Attrs: kv("attempt", "2")}}
		}
		spans = append(spans, client)
		if len(spans) == n {
			break
		}
		server := client
		server.Service, server.Kind, server.Shared, server.PeerService = callee, "server", true, ""
		server.Start, server.DurationMicros = start.Add(200*time.Microsecond), 3_500
		server.UpstreamCluster, server.Events = "inbound|8080||", nil
		server.Attrs = kv("component", "proxy", "net.host.ip", "10.0.1.2", "http.url", "http://"+callee+":8080/api/items/42")
		spans = append(spans, server)
	}
	return storage.Trace{ID: id, Spans: Ingest(spans)}
}
