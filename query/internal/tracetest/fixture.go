// Package tracetest holds test support for the trace query APIs: realistic
// storage spans, an in-memory fake of the trace seams, a loader for Zipkin
// JSON samples, and golden-file comparison. Only tests import it.
package tracetest

import (
	"cmp"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// Base is the start of the fixture traces.
var Base = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// Fixture trace ids: a 64-bit B3 trace through Envoy sidecars and a 128-bit
// OpenTelemetry trace.
var (
	MeshTraceID = storage.TraceID{Low: 0x5af7183fb1d4cf5f}
	OTelTraceID = storage.TraceID{High: 0x4e441824ec2b6a44, Low: 0xffdc9bb9a6453df3}
)

// Span ids of the mesh trace. The frontend client span and the checkout
// shared server span both use SharedSpanID, as Envoy's B3 tracer does.
const (
	IngressSpanID = 0x5af7183fb1d4cf5f
	SharedSpanID  = 0x352bff9a74ca9ad2
	PaymentSpanID = 0x6b221d5bc9e6496c
	OTelRootID    = 0x7a778764a0d0b594
	OTelDBID      = 0x15fc03927f0f68df
)

// RequestID is the x-request-id every mesh-trace span carries.
const RequestID = "6d67d674-2a6f-4f1e-9c2c-6c1b2d1f9e01"

func at(ms int) time.Time { return Base.Add(time.Duration(ms) * time.Millisecond) }

func kv(pairs ...string) []storage.KeyValue {
	out := make([]storage.KeyValue, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, storage.KeyValue{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// Spans returns a fresh copy of the fixture, in start order, as ingest
// stores it (Ingest): the attributes below plus the columns derived from
// them.
//
//   - mesh trace (64-bit, Envoy's Zipkin tags): the frontend's ingress
//     server span (debug), its client span to checkout, checkout's B3
//     shared server span (same id as that client span), and checkout's
//     failed client call to payments (503, response flags UF,URX, a retry
//     event; payments never answered);
//   - OTel trace (128-bit, current HTTP conventions): a payments server
//     span (status OK, route) and an internal database child span with an
//     event.
func Spans() []storage.Span {
	envoy := func(extra ...string) []storage.KeyValue {
		return kv(append([]string{"component", "proxy", "guid:x-request-id", RequestID, "http.protocol", "HTTP/1.1"}, extra...)...)
	}
	return Ingest([]storage.Span{
		{
			TraceID: MeshTraceID, SpanID: IngressSpanID, Service: "frontend", Name: "GET /checkout",
			Kind: "server", Debug: true, Start: at(0), DurationMicros: 120_000,
			Attrs: envoy("http.method", "GET", "http.status_code", "200", "http.url", "http://shop.example.com/checkout?cart=7",
				"net.host.ip", "10.0.0.11", "node_id", "sidecar~10.0.0.11~frontend-7c9d.default~default.svc.cluster.local",
				"response_flags", "-", "upstream_cluster", "inbound|8080||"),
		},
		{
			TraceID: MeshTraceID, SpanID: SharedSpanID, ParentID: IngressSpanID, Service: "frontend",
			Name: "checkout.default.svc.cluster.local:8080/*", Kind: "client", Start: at(2), DurationMicros: 95_000,
			Attrs: envoy("http.method", "GET", "http.status_code", "200", "http.url", "http://checkout:8080/cart/7",
				"net.host.ip", "10.0.0.11", "net.peer.ip", "10.0.0.12", "net.peer.port", "8080", "peer.service", "checkout",
				"response_flags", "-", "upstream_cluster", "outbound|8080||checkout.default.svc.cluster.local"),
		},
		{
			TraceID: MeshTraceID, SpanID: SharedSpanID, ParentID: IngressSpanID, Service: "checkout",
			Name: "checkout.default.svc.cluster.local:8080/*", Kind: "server", Shared: true, Start: at(3), DurationMicros: 93_000,
			Attrs: envoy("http.method", "GET", "http.status_code", "200", "http.url", "http://checkout:8080/cart/7",
				"net.host.ip", "10.0.0.12", "response_flags", "-", "upstream_cluster", "inbound|8080||"),
		},
		{
			TraceID: MeshTraceID, SpanID: PaymentSpanID, ParentID: SharedSpanID, Service: "checkout",
			Name: "payments.default.svc.cluster.local:9090/*", Kind: "client", Start: at(10), DurationMicros: 60_000,
			StatusCode: 2,
			Attrs: envoy("http.method", "POST", "http.status_code", "503", "http.url", "http://payments:9090/charge",
				"net.host.ip", "10.0.0.12", "peer.service", "payments", "response_flags", "UF,URX",
				"upstream_cluster", "outbound|9090||payments.default.svc.cluster.local"),
			Events: []storage.SpanEvent{{Time: at(40), Name: "retry", Attrs: kv("attempt", "2")}},
		},
		{
			TraceID: OTelTraceID, SpanID: OTelRootID, Service: "payments", Name: "POST /charge", Kind: "server",
			Start: at(1000), DurationMicros: 40_000, StatusCode: 1,
			Attrs: kv("http.request.method", "POST", "http.response.status_code", "201", "http.route", "/charge",
				"net.host.ip", "10.0.0.13", "net.host.port", "9090", "url.path", "/charge"),
		},
		{
			TraceID: OTelTraceID, SpanID: OTelDBID, ParentID: OTelRootID, Service: "payments", Name: "db.query",
			Start: at(1005), DurationMicros: 20_000,
			Attrs:  kv("db.statement", "SELECT balance FROM accounts WHERE id = $1", "db.system", "postgresql"),
			Events: []storage.SpanEvent{{Time: at(1010), Name: "cache miss"}},
		},
	})
}

// Ingest returns spans as meshlens' ingest stores them: through ptrace and
// back with storage/rowconv, which derives the typed columns from Attrs
// (sorted by key) and the Shared and Debug flags from their carriers.
func Ingest(spans []storage.Span) []storage.Span {
	td := ptrace.NewTraces()
	rowconv.AppendTraces(td, spans)
	out, err := rowconv.SpansFromTraces(td, nil)
	if err != nil {
		panic(err)
	}
	return out
}

// Links are the fixture's dependency links, as a backend would derive them
// from Spans (the shared span pair counts as one frontend→checkout call).
func Links() []storage.DependencyLink {
	return []storage.DependencyLink{
		{Parent: "unknown", Child: "frontend", CallCount: 1},
		{Parent: "frontend", Child: "checkout", CallCount: 1},
		{Parent: "checkout", Child: "payments", CallCount: 1, ErrorCount: 1},
		{Parent: "unknown", Child: "payments", CallCount: 1},
	}
}

// Group returns spans as traces, each in start order, the traces ordered by
// their first span's start, newest first (as trace searches answer).
func Group(spans []storage.Span) []storage.Trace {
	byID := map[storage.TraceID]int{}
	var out []storage.Trace
	for _, s := range spans {
		i, ok := byID[s.TraceID]
		if !ok {
			i = len(out)
			byID[s.TraceID] = i
			out = append(out, storage.Trace{ID: s.TraceID})
		}
		out[i].Spans = append(out[i].Spans, s)
	}
	for i := range out {
		slices.SortStableFunc(out[i].Spans, func(a, b storage.Span) int { return a.Start.Compare(b.Start) })
	}
	slices.SortStableFunc(out, func(a, b storage.Trace) int {
		return cmp.Compare(b.Spans[0].Start.UnixNano(), a.Spans[0].Start.UnixNano())
	})
	return out
}
