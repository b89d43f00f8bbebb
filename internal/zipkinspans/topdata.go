package zipkinspans

import (
	"encoding/binary"
	"slices"
	"strings"
	"time"

	zipkinmodel "github.com/openzipkin/zipkin-go/model"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	conventions "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The direct translation (translateDirect) gives exactly the contrib
// translator's answer for the spans a mesh sends (Envoy's, zipkin-go's),
// without its costs: it sorts every batch with a comparator that calls
// two map lookups per comparison, and formats a link tag name and checks
// ~90 resource keys per span. On Envoy batches it took about a third of
// the whole ingest CPU. Spans it does not cover (reservedTag, annotations
// carrying attributes, ParseStringTags) go to the contrib translator, and
// FuzzDirectMatchesContrib holds the two to the same output.

// Names the contrib translator uses that semconv does not export.
const (
	noServiceName      = "OTLPResourceNoServiceName" // tracetranslator.ResourceNoServiceName
	attrStartAbsent    = "otel.zipkin.absentField.startTime"
	tagError           = "error"
	tagSpanKind        = "span.kind"
	attrHTTPStatusV0   = "http.status_code" // semconv v1.25
	attrNetHostPortV0  = "net.host.port"    // semconv v1.25
	attrNetPeerPortV0  = "net.peer.port"    // semconv v1.25
	gateDontEmitHTTPV0 = "pkg.translator.zipkin.DontEmitV0HttpConventions"
	gateEmitHTTPV1     = "pkg.translator.zipkin.EmitV1HttpConventions"
)

// statusCodes is the contrib translator's otel.status_code mapping.
var statusCodes = map[string]ptrace.StatusCode{
	"STATUS_CODE_UNSET": ptrace.StatusCodeUnset, "STATUS_CODE_OK": ptrace.StatusCodeOk, "STATUS_CODE_ERROR": ptrace.StatusCodeError,
	"Unset": ptrace.StatusCodeUnset, "Ok": ptrace.StatusCodeOk, "Error": ptrace.StatusCodeError,
}

// reservedPrefixes cover every tag the contrib translator moves to the
// resource or scope (its nonSpanAttributes: the resource semantic
// conventions, otel.library.*, otel.scope.*, opencensus.*,
// otlp.service.name.source), turns into links (otlp.link.N) or the trace
// state (w3c.tracestate). TestReservedCoversContrib checks the cover.
var reservedPrefixes = []string{"aws.", "cloud.", "container.", "deployment.", "device.", "faas.", "host.", "k8s.",
	"opencensus.", "os.", "otel.library.", "otel.scope.", "otlp.", "process.", "service.", "telemetry.", "w3c.", "webengine."}

func reservedTag(key string) bool {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// direct reports whether translateDirect covers every span of spans.
func direct(spans []*zipkinmodel.SpanModel) bool {
	for _, s := range spans {
		if s == nil {
			return false
		}
		for k := range s.Tags {
			if reservedTag(k) {
				return false
			}
		}
		for _, a := range s.Annotations {
			if strings.Count(a.Value, "|") >= 2 { // "name|attributes json|dropped": an event with attributes
				return false
			}
		}
	}
	return true
}

// httpStatusKeys are the attribute names http.status_code is copied to,
// by the contrib translator's feature gates.
func httpStatusKeys() []string {
	dontV0, v1 := false, false
	featuregate.GlobalRegistry().VisitAll(func(g *featuregate.Gate) {
		switch g.ID() {
		case gateDontEmitHTTPV0:
			dontV0 = g.IsEnabled()
		case gateEmitHTTPV1:
			v1 = g.IsEnabled()
		}
	})
	var keys []string
	if !dontV0 {
		keys = append(keys, attrHTTPStatusV0)
	}
	if v1 {
		keys = append(keys, string(conventions.HTTPResponseStatusCodeKey))
	}
	return keys
}

// translateDirect converts spans that direct accepts: one resource per
// local service name, in the name order the contrib translator sorts
// them, each with one scope holding that service's spans in input order.
func translateDirect(spans []*zipkinmodel.SpanModel) ptrace.Traces {
	td := ptrace.NewTraces()
	if len(spans) == 0 {
		return td
	}
	bySvc := map[string][]*zipkinmodel.SpanModel{}
	for _, s := range spans {
		name := localServiceName(s)
		bySvc[name] = append(bySvc[name], s)
	}
	names := make([]string, 0, len(bySvc))
	for n := range bySvc {
		names = append(names, n)
	}
	slices.Sort(names)
	statusKeys := httpStatusKeys()
	rss := td.ResourceSpans()
	rss.EnsureCapacity(len(names))
	for _, name := range names {
		rs := rss.AppendEmpty()
		if name != noServiceName {
			rs.Resource().Attributes().PutStr(string(conventions.ServiceNameKey), name)
		}
		out := rs.ScopeSpans().AppendEmpty().Spans()
		group := bySvc[name]
		out.EnsureCapacity(len(group))
		for _, s := range group {
			fillSpan(s, out.AppendEmpty(), statusKeys)
		}
	}
	return td
}

func localServiceName(s *zipkinmodel.SpanModel) string {
	if s.LocalEndpoint == nil || s.LocalEndpoint.ServiceName == "" {
		return noServiceName
	}
	return s.LocalEndpoint.ServiceName
}

// fillSpan is the contrib translator's zSpanToInternal for a span that
// direct accepts, plus the shared and debug flags Translate adds.
func fillSpan(s *zipkinmodel.SpanModel, dest ptrace.Span, statusKeys []string) {
	var tid [16]byte
	binary.BigEndian.PutUint64(tid[:8], s.TraceID.High)
	binary.BigEndian.PutUint64(tid[8:], s.TraceID.Low)
	dest.SetTraceID(tid)
	dest.SetSpanID(spanID(uint64(s.ID)))
	if s.ParentID != nil && *s.ParentID != s.ID {
		dest.SetParentSpanID(spanID(uint64(*s.ParentID)))
	}
	dest.SetName(s.Name)
	used := setKindAndStatus(s, dest)

	attrs := dest.Attributes()
	attrs.EnsureCapacity(len(s.Tags) + len(statusKeys) + 6)
	for k, v := range s.Tags {
		switch {
		case used.has(k):
		case k == attrHTTPStatusV0:
			for _, sk := range statusKeys {
				attrs.PutStr(sk, v)
			}
		default:
			attrs.PutStr(k, v)
		}
	}
	endpointAttrs(s, attrs)
	if s.Timestamp.IsZero() {
		dest.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Unix(0, 0)))
		dest.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Unix(0, 0).Add(s.Duration)))
		attrs.PutBool(attrStartAbsent, true)
	} else {
		dest.SetStartTimestamp(pcommon.NewTimestampFromTime(s.Timestamp))
		dest.SetEndTimestamp(pcommon.NewTimestampFromTime(s.Timestamp.Add(s.Duration)))
	}
	if s.Shared {
		attrs.PutBool(AttrShared, true)
	}
	if s.Debug {
		attrs.PutBool(AttrDebug, true)
	}
	if len(s.Annotations) > 0 {
		evs := dest.Events()
		evs.EnsureCapacity(len(s.Annotations))
		for _, a := range s.Annotations {
			ev := evs.AppendEmpty()
			ev.SetTimestamp(pcommon.NewTimestampFromTime(a.Timestamp))
			name, _, _ := strings.Cut(a.Value, "|")
			ev.SetName(name)
		}
	}
}

func spanID(v uint64) pcommon.SpanID {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], v)
	return id
}

// consumed records which tags setKindAndStatus turned into the span's
// kind or status; the contrib translator deletes those from the tags, so
// they are not attributes.
type consumed uint8

const (
	consumedKind consumed = 1 << iota
	consumedStatusCode
	consumedStatusDescription
	consumedError
)

// has reports whether tag key k was consumed.
func (c consumed) has(k string) bool {
	switch k {
	case tagSpanKind:
		return c&consumedKind != 0
	case string(conventions.OTelStatusCodeKey):
		return c&consumedStatusCode != 0
	case string(conventions.OTelStatusDescriptionKey):
		return c&consumedStatusDescription != 0
	case tagError:
		return c&consumedError != 0
	}
	return false
}

// setKindAndStatus sets the span's kind and status from its Zipkin kind
// and tags, as the contrib translator's zipkinKindToSpanKind and
// populateSpanStatus do.
func setKindAndStatus(s *zipkinmodel.SpanModel, dest ptrace.Span) (c consumed) {
	switch s.Kind {
	case zipkinmodel.Client:
		dest.SetKind(ptrace.SpanKindClient)
	case zipkinmodel.Server:
		dest.SetKind(ptrace.SpanKindServer)
	case zipkinmodel.Producer:
		dest.SetKind(ptrace.SpanKindProducer)
	case zipkinmodel.Consumer:
		dest.SetKind(ptrace.SpanKindConsumer)
	default:
		dest.SetKind(ptrace.SpanKindUnspecified)
		if v, ok := s.Tags[tagSpanKind]; ok {
			c |= consumedKind
			if v == "internal" {
				dest.SetKind(ptrace.SpanKindInternal)
			}
		}
	}
	st := dest.Status()
	if v, ok := s.Tags[string(conventions.OTelStatusCodeKey)]; ok {
		st.SetCode(statusCodes[v])
		c |= consumedStatusCode
		if d, ok := s.Tags[string(conventions.OTelStatusDescriptionKey)]; ok {
			st.SetMessage(d)
			c |= consumedStatusDescription
		}
	}
	if v, ok := s.Tags[tagError]; ok {
		st.SetCode(ptrace.StatusCodeError)
		if v == "true" {
			c |= consumedError
		}
	}
	return c
}

// endpointAttrs adds the contrib translator's endpoint attributes.
func endpointAttrs(s *zipkinmodel.SpanModel, attrs pcommon.Map) {
	if e := s.LocalEndpoint; e != nil {
		if e.IPv4 != nil {
			attrs.PutStr(string(conventions.NetworkLocalAddressKey), e.IPv4.String())
		}
		if e.IPv6 != nil {
			attrs.PutStr(string(conventions.NetworkLocalAddressKey), e.IPv6.String())
		}
		if e.Port > 0 {
			attrs.PutInt(attrNetHostPortV0, int64(e.Port))
		}
	}
	if e := s.RemoteEndpoint; e != nil {
		if e.ServiceName != "" {
			attrs.PutStr(string(conventions.ServicePeerNameKey), e.ServiceName)
		}
		if e.IPv4 != nil {
			attrs.PutStr(string(conventions.NetworkPeerAddressKey), e.IPv4.String())
		}
		if e.IPv6 != nil {
			attrs.PutStr(string(conventions.NetworkPeerAddressKey), e.IPv6.String())
		}
		if e.Port > 0 {
			attrs.PutInt(attrNetPeerPortV0, int64(e.Port))
		}
	}
}
