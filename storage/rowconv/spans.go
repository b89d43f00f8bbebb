package rowconv

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/internal/zipkinspans"
	"github.com/meshlens/meshlens/storage"
)

// ErrInvalidSpan is wrapped by the error reported for a span SpansFromTraces
// cannot store (an all-zero trace or span id); the rest of the batch is
// still converted.
var ErrInvalidSpan = errors.New("invalid span")

// Span attribute keys with a meaning in the traces mapping (package doc,
// "# Traces"). AttrUpstreamCluster and AttrResponseFlags, shared with access
// logs, are Envoy's tag names too.
const (
	// AttrZipkinShared and AttrZipkinDebug carry the Zipkin v2 span fields
	// "shared" and "debug", which ptrace has no field for (Bool true or the
	// string "true"). They set Span.Shared and Span.Debug and are not kept
	// in Span.Attrs, since Zipkin has them as fields, not tags.
	AttrZipkinShared = zipkinspans.AttrShared
	AttrZipkinDebug  = zipkinspans.AttrDebug
	// AttrZipkinStartAbsent is the contrib translator's marker for a Zipkin
	// span without a timestamp (its start is then the Unix epoch); it is
	// dropped, the epoch start says the same.
	AttrZipkinStartAbsent = "otel.zipkin.absentField.startTime"

	AttrEnvoyRequestID         = "guid:x-request-id"
	AttrUpstreamClusterName    = "upstream_cluster.name"
	AttrHTTPMethod             = "http.method"
	AttrHTTPRequestMethod      = "http.request.method"
	AttrHTTPStatusCode         = "http.status_code"
	AttrHTTPResponseStatusCode = "http.response.status_code"
	AttrHTTPRoute              = "http.route"
	AttrURLPath                = "url.path"
	AttrHTTPTarget             = "http.target"
	AttrHTTPURL                = "http.url"
	AttrURLFull                = "url.full"
	// AttrPeerService is where the contrib translator puts a Zipkin span's
	// remoteEndpoint.serviceName (and where OTel puts the callee's name).
	AttrPeerService = "peer.service"
	// AttrServicePeerName is the same in current semantic conventions,
	// where the contrib Zipkin translator puts it since v0.1xx.
	AttrServicePeerName = "service.peer.name"
	// AttrZipkinError is Zipkin's error tag: any value marks a failed span.
	AttrZipkinError = "error"

	// Span fields without a column, carried in Span.Attrs under the keys the
	// contrib Zipkin translator uses for them.
	AttrStatusDescription = "otel.status_description"
	AttrTraceState        = "w3c.tracestate"
	AttrScopeName         = "otel.library.name"
	AttrScopeVersion      = "otel.library.version"
	AttrLinkPrefix        = "otlp.link." // + index: "traceid|spanid|tracestate|{attrs json}|dropped"
)

// tagColumn binds a typed span column to the attributes it is read from, in
// order of preference: the first key whose value set accepts wins.
// AppendTraces writes a column that Attrs do not yield under keys[0].
type tagColumn struct {
	keys []string
	get  func(*storage.Span) string // the column as an attribute value; "" for zero
	set  func(*storage.Span, string) bool
}

var spanColumns = []tagColumn{
	strColumn(func(s *storage.Span) *string { return &s.RequestID }, nil, AttrEnvoyRequestID),
	strColumn(func(s *storage.Span) *string { return &s.UpstreamCluster }, nil,
		AttrUpstreamCluster, AttrUpstreamClusterName),
	strColumn(func(s *storage.Span) *string { return &s.ResponseFlags }, nil, AttrResponseFlags),
	strColumn(func(s *storage.Span) *string { return &s.HTTPMethod }, nil, AttrHTTPMethod, AttrHTTPRequestMethod),
	strColumn(func(s *storage.Span) *string { return &s.HTTPRoute }, pathOf,
		AttrHTTPRoute, AttrURLPath, AttrHTTPTarget, AttrHTTPURL, AttrURLFull),
	strColumn(func(s *storage.Span) *string { return &s.PeerService }, nil, AttrPeerService, AttrServicePeerName),
	{
		keys: []string{AttrHTTPStatusCode, AttrHTTPResponseStatusCode},
		get: func(s *storage.Span) string {
			if s.HTTPStatus == 0 {
				return ""
			}
			return strconv.Itoa(int(s.HTTPStatus))
		},
		set: func(s *storage.Span, v string) bool {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return false
			}
			s.HTTPStatus = int32(n)
			return true
		},
	},
}

// strColumn is a string column; norm, when set, rewrites values first. An
// empty value or Envoy's "-" (absent) is not accepted.
func strColumn(field func(*storage.Span) *string, norm func(string) string, keys ...string) tagColumn {
	return tagColumn{
		keys: keys,
		get:  func(s *storage.Span) string { return *field(s) },
		set: func(s *storage.Span, v string) bool {
			if norm != nil {
				v = norm(v)
			}
			if v == "" || v == "-" {
				return false
			}
			*field(s) = v
			return true
		},
	}
}

// pathOf returns the path of a URL or request target, without scheme,
// authority, query or fragment; a full URL with no path is "/".
func pathOf(v string) string {
	if i := strings.Index(v, "://"); i >= 0 {
		v = v[i+3:]
		j := strings.IndexAny(v, "/?#")
		if j < 0 || v[j] != '/' {
			return "/"
		}
		v = v[j:]
	}
	if j := strings.IndexAny(v, "?#"); j >= 0 {
		v = v[:j]
	}
	return v
}

// deriveColumns sets s's tag columns from attrs (first occurrence of a key).
func deriveColumns(s *storage.Span, attrs []storage.KeyValue) {
	find := lookupAttr
	if slices.IsSortedFunc(attrs, byKey) {
		find = searchAttr
	}
	for _, c := range spanColumns {
		for _, k := range c.keys {
			if v, ok := find(attrs, k); ok && c.set(s, v) {
				break
			}
		}
	}
}

func byKey(a, b storage.KeyValue) int { return strings.Compare(a.Key, b.Key) }

func lookupAttr(attrs []storage.KeyValue, key string) (string, bool) {
	for _, kv := range attrs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// searchAttr is lookupAttr for attrs sorted by key.
func searchAttr(attrs []storage.KeyValue, key string) (string, bool) {
	i, ok := slices.BinarySearchFunc(attrs, key, func(kv storage.KeyValue, k string) int { return strings.Compare(kv.Key, k) })
	if !ok {
		return "", false
	}
	return attrs[i].Value, true
}

// spanKinds pairs ptrace kinds with row kinds; internal and unspecified
// are both "".
var spanKinds = [...]struct {
	otlp ptrace.SpanKind
	row  storage.SpanKind
}{
	{ptrace.SpanKindClient, "client"},
	{ptrace.SpanKindServer, "server"},
	{ptrace.SpanKindProducer, "producer"},
	{ptrace.SpanKindConsumer, "consumer"},
}

// AppendTraces adds spans to td, the inverse of SpansFromTraces: one
// ResourceSpans (service.name = Service) per run of spans with the same
// Service, each with one ScopeSpans. It copies everything it needs from
// spans.
//
// Attrs become string attributes, except AttrStatusDescription and
// AttrTraceState (non-empty), which go back to the span's status message and
// trace state. Shared and Debug become Bool AttrZipkinShared/AttrZipkinDebug
// (the columns win over such keys in Attrs). A tag column that Attrs do not
// yield is written under its first key, so a row built by hand loses
// nothing; for rows SpansFromTraces made, rows → ptrace → rows is exact.
func AppendTraces(td ptrace.Traces, spans []storage.Span) {
	var out ptrace.SpanSlice
	for i := range spans {
		r := &spans[i]
		if i == 0 || r.Service != spans[i-1].Service {
			rs := td.ResourceSpans().AppendEmpty()
			if r.Service != "" {
				rs.Resource().Attributes().PutStr(ResourceService, r.Service)
			}
			out = rs.ScopeSpans().AppendEmpty().Spans()
		}
		spanToPdata(r, out.AppendEmpty())
	}
}

func spanToPdata(r *storage.Span, sp ptrace.Span) {
	var tid [16]byte
	binary.BigEndian.PutUint64(tid[:8], r.TraceID.High)
	binary.BigEndian.PutUint64(tid[8:], r.TraceID.Low)
	sp.SetTraceID(tid)
	sp.SetSpanID(spanIDBytes(r.SpanID))
	if r.ParentID != 0 {
		sp.SetParentSpanID(spanIDBytes(r.ParentID))
	}
	sp.SetName(r.Name)
	for _, k := range spanKinds {
		if k.row == r.Kind {
			sp.SetKind(k.otlp)
		}
	}
	start := timestamp(r.Start)
	sp.SetStartTimestamp(start)
	sp.SetEndTimestamp(start + pcommon.Timestamp(max(r.DurationMicros, 0)*1000))
	sp.Status().SetCode(ptrace.StatusCode(r.StatusCode))

	a := sp.Attributes()
	a.EnsureCapacity(len(r.Attrs) + 2)
	for _, kv := range r.Attrs {
		switch {
		case kv.Key == AttrStatusDescription && kv.Value != "":
			sp.Status().SetMessage(kv.Value)
		case kv.Key == AttrTraceState && kv.Value != "":
			sp.TraceState().FromRaw(kv.Value)
		case kv.Key == AttrZipkinShared || kv.Key == AttrZipkinDebug || kv.Key == AttrZipkinStartAbsent:
		default:
			a.PutStr(kv.Key, kv.Value)
		}
	}
	if r.Shared {
		a.PutBool(AttrZipkinShared, true)
	}
	if r.Debug {
		a.PutBool(AttrZipkinDebug, true)
	}
	var derived storage.Span
	deriveColumns(&derived, r.Attrs)
	for _, c := range spanColumns {
		if v := c.get(r); v != "" && v != c.get(&derived) {
			a.PutStr(c.keys[0], v)
		}
	}

	evs := sp.Events()
	evs.EnsureCapacity(len(r.Events))
	for _, e := range r.Events {
		ev := evs.AppendEmpty()
		ev.SetTimestamp(timestamp(e.Time))
		ev.SetName(e.Name)
		ea := ev.Attributes()
		ea.EnsureCapacity(len(e.Attrs))
		for _, kv := range e.Attrs {
			ea.PutStr(kv.Key, kv.Value)
		}
	}
}

func spanIDBytes(id uint64) pcommon.SpanID {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return b
}

// timestamp is t in pdata; the zero time is 0 (unknown), not year 1.
func timestamp(t time.Time) pcommon.Timestamp {
	if t.IsZero() {
		return 0
	}
	return pcommon.Timestamp(uint64(t.UnixNano()))
}
