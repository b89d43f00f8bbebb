package rowconv

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/storage"
)

var spanStart = time.Date(2019, 10, 8, 8, 34, 21, 59_232_000, time.UTC)

// kvs builds Attrs from key, value pairs (give them sorted).
func kvs(kv ...string) []storage.KeyValue {
	out := make([]storage.KeyValue, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, storage.KeyValue{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

// baseSpan returns traces holding one span of service "frontend" with a
// 64-bit trace id, and the parts a test case may change.
func baseSpan() (ptrace.Traces, pcommon.Map, pcommon.InstrumentationScope, ptrace.Span) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr(ResourceService, "frontend")
	ss := rs.ScopeSpans().AppendEmpty()
	sp := ss.Spans().AppendEmpty()
	sp.SetTraceID(pcommon.TraceID{8: 0x97, 15: 0xa5})
	sp.SetSpanID(pcommon.SpanID{0x97, 7: 0xa5})
	sp.SetName("localhost:10000")
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(spanStart))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(spanStart.Add(127115 * time.Microsecond)))
	return td, rs.Resource().Attributes(), ss.Scope(), sp
}

func baseRow() storage.Span {
	return storage.Span{
		TraceID: storage.TraceID{Low: 0x97000000000000a5}, SpanID: 0x97000000000000a5,
		Service: "frontend", Name: "localhost:10000", Start: spanStart, DurationMicros: 127115,
	}
}

// TestSpansFromTracesFields covers every mapped field, one rule per case.
func TestSpansFromTracesFields(t *testing.T) {
	tests := []struct {
		name string
		in   func(res pcommon.Map, scope pcommon.InstrumentationScope, sp ptrace.Span)
		want func(r *storage.Span)
	}{
		{"base", func(pcommon.Map, pcommon.InstrumentationScope, ptrace.Span) {}, func(*storage.Span) {}},
		{"128-bit trace id",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
			},
			func(r *storage.Span) { r.TraceID = storage.TraceID{High: 0x0102030405060708, Low: 0x090a0b0c0d0e0f10} }},
		{"64-bit id with high bits in low half only",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.SetTraceID(pcommon.TraceID{8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff})
			},
			func(r *storage.Span) { r.TraceID = storage.TraceID{Low: ^uint64(0)} }},
		{"parent",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.SetParentSpanID(pcommon.SpanID{7: 1})
			},
			func(r *storage.Span) { r.ParentID = 1 }},
		{"self parent is no parent",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) { sp.SetParentSpanID(sp.SpanID()) },
			func(*storage.Span) {}},
		{"no service.name",
			func(res pcommon.Map, _ pcommon.InstrumentationScope, _ ptrace.Span) { res.Remove(ResourceService) },
			func(r *storage.Span) { r.Service = "" }},
		{"kind client", setKind(ptrace.SpanKindClient), func(r *storage.Span) { r.Kind = "client" }},
		{"kind server", setKind(ptrace.SpanKindServer), func(r *storage.Span) { r.Kind = "server" }},
		{"kind producer", setKind(ptrace.SpanKindProducer), func(r *storage.Span) { r.Kind = "producer" }},
		{"kind consumer", setKind(ptrace.SpanKindConsumer), func(r *storage.Span) { r.Kind = "consumer" }},
		{"kind internal", setKind(ptrace.SpanKindInternal), func(*storage.Span) {}},
		{"duration truncated to microseconds",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.SetEndTimestamp(sp.StartTimestamp() + 1999)
			},
			func(r *storage.Span) { r.DurationMicros = 1 }},
		{"end before start",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) { sp.SetEndTimestamp(1) },
			func(r *storage.Span) { r.DurationMicros = 0 }},
		{"no start (Zipkin without timestamp)",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.SetStartTimestamp(0)
				sp.SetEndTimestamp(5000)
				sp.Attributes().PutBool(AttrZipkinStartAbsent, true)
			},
			func(r *storage.Span) { r.Start, r.DurationMicros = time.Unix(0, 0).UTC(), 5 }},
		{"status ok", setStatus(ptrace.StatusCodeOk, ""), func(r *storage.Span) { r.StatusCode = 1 }},
		{"status error with message", setStatus(ptrace.StatusCodeError, "upstream reset"),
			func(r *storage.Span) {
				r.StatusCode = 2
				r.Attrs = kvs(AttrStatusDescription, "upstream reset")
			}},
		{"Zipkin error tag marks an unset status as error",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.Attributes().PutStr(AttrZipkinError, "connection refused")
			},
			func(r *storage.Span) { r.StatusCode, r.Attrs = 2, kvs("error", "connection refused") }},
		{"Zipkin error tag does not override ok",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.Status().SetCode(ptrace.StatusCodeOk)
				sp.Attributes().PutStr(AttrZipkinError, "")
			},
			func(r *storage.Span) { r.StatusCode, r.Attrs = 1, kvs("error", "") }},
		{"shared as Bool", putRaw(AttrZipkinShared, true), func(r *storage.Span) { r.Shared = true }},
		{"shared as string", putRaw(AttrZipkinShared, "true"), func(r *storage.Span) { r.Shared = true }},
		{"shared false", putRaw(AttrZipkinShared, false), func(*storage.Span) {}},
		{"debug", putRaw(AttrZipkinDebug, true), func(r *storage.Span) { r.Debug = true }},
		{"Envoy tags",
			putStrs("guid:x-request-id", "d709b78f-583e-988e-b581-25b72c63852d", "upstream_cluster", "service_google",
				"response_flags", "UF,URX", "http.method", "GET", "http.status_code", "503",
				"http.url", "http://www.google.com/search?q=x", "component", "proxy"),
			func(r *storage.Span) {
				r.RequestID, r.UpstreamCluster, r.ResponseFlags = "d709b78f-583e-988e-b581-25b72c63852d", "service_google", "UF,URX"
				r.HTTPMethod, r.HTTPStatus, r.HTTPRoute = "GET", 503, "/search"
				r.Attrs = kvs("component", "proxy", "guid:x-request-id", "d709b78f-583e-988e-b581-25b72c63852d",
					"http.method", "GET", "http.status_code", "503", "http.url", "http://www.google.com/search?q=x",
					"response_flags", "UF,URX", "upstream_cluster", "service_google")
			}},
		{"Envoy's '-' is no value",
			putStrs("response_flags", "-", "upstream_cluster", "-", "upstream_cluster.name", "outbound|80||b.ns"),
			func(r *storage.Span) {
				r.UpstreamCluster = "outbound|80||b.ns"
				r.Attrs = kvs("response_flags", "-", "upstream_cluster", "-", "upstream_cluster.name", "outbound|80||b.ns")
			}},
		{"OTel semconv names, typed",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				a := sp.Attributes()
				a.PutStr("http.request.method", "POST")
				a.PutInt("http.response.status_code", 201)
				a.PutStr("url.full", "https://api.example.com:8443?x=1")
			},
			func(r *storage.Span) {
				r.HTTPMethod, r.HTTPStatus, r.HTTPRoute = "POST", 201, "/"
				r.Attrs = kvs("http.request.method", "POST", "http.response.status_code", "201",
					"url.full", "https://api.example.com:8443?x=1")
			}},
		{"old names win over new",
			putStrs("http.method", "GET", "http.request.method", "POST", "http.status_code", "200",
				"http.response.status_code", "500"),
			func(r *storage.Span) {
				r.HTTPMethod, r.HTTPStatus = "GET", 200
				r.Attrs = kvs("http.method", "GET", "http.request.method", "POST", "http.response.status_code", "500",
					"http.status_code", "200")
			}},
		{"unusable status falls back to the next key",
			putStrs("http.status_code", "abc", "http.response.status_code", "504"),
			func(r *storage.Span) {
				r.HTTPStatus = 504
				r.Attrs = kvs("http.response.status_code", "504", "http.status_code", "abc")
			}},
		{"status out of int32 range", putStrs("http.status_code", "99999999999"),
			func(r *storage.Span) { r.Attrs = kvs("http.status_code", "99999999999") }},
		{"http.route wins over the URL",
			putStrs("http.route", "/users/{id}", "http.url", "http://h/users/7"),
			func(r *storage.Span) {
				r.HTTPRoute = "/users/{id}"
				r.Attrs = kvs("http.route", "/users/{id}", "http.url", "http://h/users/7")
			}},
		{"http.target path", putStrs("http.target", "/a/b?c=d#e"),
			func(r *storage.Span) { r.HTTPRoute, r.Attrs = "/a/b", kvs("http.target", "/a/b?c=d#e") }},
		{"url.path", putStrs("url.path", "/x", "url.full", "http://h/y"),
			func(r *storage.Span) { r.HTTPRoute, r.Attrs = "/x", kvs("url.full", "http://h/y", "url.path", "/x") }},
		{"peer.service (Zipkin remoteEndpoint.serviceName)", putStrs("peer.service", "memcache", "net.peer.ip", "10.0.0.1"),
			func(r *storage.Span) {
				r.PeerService = "memcache"
				r.Attrs = kvs("net.peer.ip", "10.0.0.1", "peer.service", "memcache")
			}},
		{"typed values as strings",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				a := sp.Attributes()
				a.PutInt("net.host.port", 31049)
				a.PutDouble("ratio", 1.5)
				a.PutBool("cache.hit", false)
				a.PutEmptySlice("tags").AppendEmpty().SetStr("a")
				a.PutEmptyMap("m").PutInt("k", 1)
				a.PutEmptyBytes("raw").FromRaw([]byte{0xff})
				a.PutEmpty("nothing")
			},
			func(r *storage.Span) {
				r.Attrs = kvs("cache.hit", "false", "m", `{"k":1}`, "net.host.port", "31049", "nothing", "",
					"ratio", "1.5", "raw", "/w==", "tags", `["a"]`)
			}},
		{"resource, scope, trace state and links join Attrs; span attributes win",
			func(res pcommon.Map, scope pcommon.InstrumentationScope, sp ptrace.Span) {
				putAttrs(res, "host.name", "node-1", "zone", "from-resource")
				scope.SetName("otelhttp")
				scope.SetVersion("0.72.0")
				sp.TraceState().FromRaw("rojo=00f067aa0ba902b7")
				putAttrs(sp.Attributes(), "zone", "from-span")
				l := sp.Links().AppendEmpty()
				l.SetTraceID(pcommon.TraceID{15: 2})
				l.SetSpanID(pcommon.SpanID{7: 3})
				l.Attributes().PutInt("n", 1)
				l.SetDroppedAttributesCount(4)
			},
			func(r *storage.Span) {
				r.Attrs = kvs("host.name", "node-1", "otel.library.name", "otelhttp", "otel.library.version", "0.72.0",
					"otlp.link.0", `00000000000000000000000000000002|0000000000000003||{"n":"1"}|4`,
					"w3c.tracestate", "rojo=00f067aa0ba902b7", "zone", "from-span")
			}},
		{"events",
			func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				e := sp.Events().AppendEmpty()
				e.SetName("py_zipkin.logging_end")
				e.SetTimestamp(pcommon.NewTimestampFromTime(spanStart.Add(time.Millisecond)))
				e = sp.Events().AppendEmpty()
				e.SetName("exception")
				putAttrs(e.Attributes(), "exception.type", "E", "exception.message", "boom")
			},
			func(r *storage.Span) {
				r.Events = []storage.SpanEvent{
					{Time: spanStart.Add(time.Millisecond), Name: "py_zipkin.logging_end"},
					{Time: time.Unix(0, 0).UTC(), Name: "exception", Attrs: kvs("exception.message", "boom", "exception.type", "E")},
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td, res, scope, sp := baseSpan()
			tt.in(res, scope, sp)
			want := baseRow()
			tt.want(&want)
			got, err := SpansFromTraces(td, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			// And back: rows → ptrace → rows is exact.
			back := ptrace.NewTraces()
			AppendTraces(back, got)
			again, err := SpansFromTraces(back, nil)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip: err %v\n got %+v\nwant %+v", err, again, got)
			}
		})
	}
}

func setKind(k ptrace.SpanKind) func(pcommon.Map, pcommon.InstrumentationScope, ptrace.Span) {
	return func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) { sp.SetKind(k) }
}

func setStatus(c ptrace.StatusCode, msg string) func(pcommon.Map, pcommon.InstrumentationScope, ptrace.Span) {
	return func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
		sp.Status().SetCode(c)
		sp.Status().SetMessage(msg)
	}
}

func putStrs(kv ...string) func(pcommon.Map, pcommon.InstrumentationScope, ptrace.Span) {
	return func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) { putAttrs(sp.Attributes(), kv...) }
}

func putRaw(k string, v any) func(pcommon.Map, pcommon.InstrumentationScope, ptrace.Span) {
	return func(_ pcommon.Map, _ pcommon.InstrumentationScope, sp ptrace.Span) {
		if err := sp.Attributes().PutEmpty(k).FromRaw(v); err != nil {
			panic(err)
		}
	}
}

func TestPathOf(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "",
		"/":                        "/",
		"/a/b":                     "/a/b",
		"/a?b=/c":                  "/a",
		"/a#frag":                  "/a",
		"http://www.google.com/":   "/",
		"http://www.google.com":    "/",
		"http://h:80?q=1":          "/",
		"https://h/p/q?x#y":        "/p/q",
		"*":                        "*",
		"/users/{id}":              "/users/{id}",
		"grpc://svc/pkg.Svc/Check": "/pkg.Svc/Check",
	} {
		if got := pathOf(in); got != want {
			t.Errorf("pathOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// A span that cannot be stored is reported by name; the others convert.
func TestSpansFromTracesInvalidSpans(t *testing.T) {
	td, _, _, good := baseSpan()
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	noTrace := spans.AppendEmpty()
	good.CopyTo(noTrace)
	noTrace.SetName("no-trace")
	noTrace.SetTraceID(pcommon.NewTraceIDEmpty())
	noSpan := spans.AppendEmpty()
	good.CopyTo(noSpan)
	noSpan.SetName("no-span")
	noSpan.SetSpanID(pcommon.NewSpanIDEmpty())
	spans.AppendEmpty().SetName("nothing")
	good.CopyTo(spans.AppendEmpty())

	dst := []storage.Span{{Name: "already there"}}
	got, err := SpansFromTraces(td, dst)
	if len(got) != 3 || got[0].Name != "already there" || got[1].Name != "localhost:10000" || got[2].Name != "localhost:10000" {
		t.Fatalf("rows %+v", got)
	}
	if !errors.Is(err, ErrInvalidSpan) {
		t.Fatalf("err %v does not wrap ErrInvalidSpan", err)
	}
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != 3 {
		t.Fatalf("%d errors, want 3: %v", len(errs), err)
	}
	for i, want := range []string{
		`span "no-trace" of service "frontend" (trace 00000000000000000000000000000000, span 97000000000000a5): all-zero trace id`,
		`span "no-span" of service "frontend" (trace 000000000000000097000000000000a5, span 0000000000000000): all-zero span id`,
		`span "nothing" of service "frontend"`,
	} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %d = %q, want it to contain %q", i, errs[i], want)
		}
	}
}

// envoyPair is an Envoy B3 exchange: the caller's sidecar client span and
// the callee's sidecar server span sharing its span id (Zipkin shared).
func envoyPair() []storage.Span {
	common := storage.Span{
		TraceID: storage.TraceID{High: 0x463ac35c9f6413ad, Low: 0x48485a3953bb6124}, SpanID: 0xa2fb4a1d1a96d312,
		ParentID: 0x0020000000000001, Name: "reviews.default.svc.cluster.local:9080/*",
		HTTPMethod: "GET", HTTPRoute: "/reviews/0", HTTPStatus: 200, ResponseFlags: "",
		RequestID: "6d67d674-5e2f-9d6c-a0b4-1b3f5e0c6a7e",
	}
	client, server := common, common
	client.Service, client.Kind, client.Start, client.DurationMicros = "productpage.default", "client", spanStart, 12000
	client.UpstreamCluster, client.PeerService = "outbound|9080||reviews.default.svc.cluster.local", "reviews.default"
	client.Attrs = kvs("guid:x-request-id", common.RequestID, "http.method", "GET", "http.status_code", "200",
		"http.url", "http://reviews:9080/reviews/0", "peer.service", "reviews.default", "response_flags", "-",
		"upstream_cluster", client.UpstreamCluster)
	server.Service, server.Kind, server.Shared = "reviews.default", "server", true
	server.Start, server.DurationMicros = spanStart.Add(800*time.Microsecond), 10500
	server.UpstreamCluster = "inbound|9080||"
	server.Attrs = kvs("guid:x-request-id", common.RequestID, "http.method", "GET", "http.status_code", "200",
		"http.url", "http://reviews:9080/reviews/0", "response_flags", "-", "upstream_cluster", "inbound|9080||")
	server.Events = []storage.SpanEvent{{Time: spanStart.Add(time.Millisecond), Name: "upstream start"}}
	return []storage.Span{client, server}
}

// Envoy's shared server span keeps the client's span id and parent: both
// rows survive a round trip, told apart by Kind and Shared.
func TestEnvoySharedSpanRoundTrip(t *testing.T) {
	in := envoyPair()
	td := ptrace.NewTraces()
	AppendTraces(td, in)
	if td.ResourceSpans().Len() != 2 {
		t.Fatalf("%d resources, want one per service", td.ResourceSpans().Len())
	}
	srv := td.ResourceSpans().At(1).ScopeSpans().At(0).Spans().At(0)
	if v, ok := srv.Attributes().Get(AttrZipkinShared); !ok || v.Type() != pcommon.ValueTypeBool || !v.Bool() {
		t.Errorf("server span: %s = %v, want Bool true", AttrZipkinShared, v.AsRaw())
	}
	cli := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	if cli.SpanID() != srv.SpanID() || cli.ParentSpanID() != srv.ParentSpanID() {
		t.Errorf("client and shared server span ids differ: %s/%s vs %s/%s",
			cli.SpanID(), cli.ParentSpanID(), srv.SpanID(), srv.ParentSpanID())
	}
	got, err := SpansFromTraces(td, nil)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("err %v\n got %+v\nwant %+v", err, got, in)
	}
}

// A row whose columns are not backed by Attrs (built by hand, or by a
// backend that stored only columns) keeps its columns through pdata.
func TestAppendTracesWritesUnbackedColumns(t *testing.T) {
	in := storage.Span{
		TraceID: storage.TraceID{Low: 1}, SpanID: 2, Service: "s", Kind: "server", Shared: true, Debug: true,
		Start: spanStart, DurationMicros: 7, StatusCode: 2,
		HTTPMethod: "PUT", HTTPRoute: "/r", HTTPStatus: 503, PeerService: "p", RequestID: "rid",
		ResponseFlags: "UH", UpstreamCluster: "c",
		// Disagreeing attributes: the columns win.
		Attrs: kvs("http.method", "GET", "http.url", "http://h/other", "zipkin.shared", "false"),
	}
	td := ptrace.NewTraces()
	AppendTraces(td, []storage.Span{in})
	got, err := SpansFromTraces(td, nil)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %+v", err, got)
	}
	g := got[0]
	want := in
	want.Attrs = kvs("guid:x-request-id", "rid", "http.method", "PUT", "http.route", "/r", "http.status_code", "503",
		"http.url", "http://h/other", "peer.service", "p", "response_flags", "UH", "upstream_cluster", "c")
	if !reflect.DeepEqual(g, want) {
		t.Errorf("got  %+v\nwant %+v", g, want)
	}
}

// ptrace → rows → ptrace → rows: the second conversion changes nothing,
// even for pdata the first one had to fold (resource, scope, links, types).
func TestSpansConversionIsIdempotent(t *testing.T) {
	td, res, scope, sp := baseSpan()
	putAttrs(res, "host.name", "n1")
	scope.SetName("lib")
	sp.Status().SetCode(ptrace.StatusCodeError)
	sp.Status().SetMessage("boom")
	sp.TraceState().FromRaw("a=b")
	sp.Links().AppendEmpty().SetSpanID(pcommon.SpanID{7: 9})
	sp.Attributes().PutInt("http.status_code", 500)
	sp.Attributes().PutBool(AttrZipkinDebug, true)
	first, err := SpansFromTraces(td, nil)
	if err != nil {
		t.Fatal(err)
	}
	back := ptrace.NewTraces()
	AppendTraces(back, first)
	second, err := SpansFromTraces(back, nil)
	if err != nil || !reflect.DeepEqual(first, second) {
		t.Fatalf("err %v\n first %+v\nsecond %+v", err, first, second)
	}
	if s := back.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0); s.Status().Message() != "boom" ||
		s.TraceState().AsRaw() != "a=b" {
		t.Errorf("status message %q, trace state %q not restored", s.Status().Message(), s.TraceState().AsRaw())
	}
}
