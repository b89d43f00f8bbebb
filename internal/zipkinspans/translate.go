// Package zipkinspans decodes Zipkin v2 spans strictly and turns them into
// pdata with the collector-contrib translator, keeping what that
// translator drops. The zipkin receiver uses it, and so do tests that need
// spans exactly as meshlens ingests them.
package zipkinspans

import (
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/translator/zipkin/zipkinv2"
	zipkinmodel "github.com/openzipkin/zipkin-go/model"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Attributes that carry the Zipkin v2 span flags the OpenTelemetry model
// has no field for; storage/rowconv turns them back into columns.
const (
	AttrShared = "zipkin.shared"
	AttrDebug  = "zipkin.debug"
)

// spanKey finds a translated span again: Envoy's shared server span has
// its client's span id, so the kind tells the two apart.
type spanKey struct {
	traceID zipkinmodel.TraceID
	spanID  zipkinmodel.ID
	kind    zipkinmodel.Kind
}

// Translate converts decoded spans to pdata with the collector-contrib
// translator (the mapping every OpenTelemetry user gets), then restores
// what that translator drops: a span's `shared` and `debug` flags become
// the Bool attributes AttrShared and AttrDebug,
// which storage turns back into columns. Translate takes ownership of
// spans (the translator edits their tags).
//
// Spans of the common shape (see direct) are translated by
// translateDirect, which gives the contrib translator's answer at a
// fraction of its cost; the rest by the contrib translator itself.
func Translate(spans []*zipkinmodel.SpanModel, parseStringTags bool) (ptrace.Traces, error) {
	if !parseStringTags && direct(spans) {
		return translateDirect(spans), nil
	}
	return translateContrib(spans, parseStringTags)
}

// translateContrib is Translate by the contrib translator alone.
func translateContrib(spans []*zipkinmodel.SpanModel, parseStringTags bool) (ptrace.Traces, error) {
	flags := map[spanKey][2]bool{}
	for _, s := range spans {
		if s.Shared || s.Debug {
			flags[spanKey{s.TraceID, s.ID, s.Kind}] = [2]bool{s.Shared, s.Debug}
		}
	}
	td, err := zipkinv2.ToTranslator{ParseStringTags: parseStringTags}.ToTraces(spans)
	if err != nil {
		return ptrace.Traces{}, fmt.Errorf("translating spans: %w", err)
	}
	if len(flags) == 0 {
		return td, nil
	}
	EachSpan(td, func(s ptrace.Span) { markFlags(s, flags) })
	return td, nil
}

// EachSpan calls f with every span of td, in order.
func EachSpan(td ptrace.Traces, f func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j).Spans()
			for k := range ss.Len() {
				f(ss.At(k))
			}
		}
	}
}

func markFlags(s ptrace.Span, flags map[spanKey][2]bool) {
	tid, sid := s.TraceID(), s.SpanID()
	key := spanKey{
		traceID: zipkinmodel.TraceID{High: be64(tid[:8]), Low: be64(tid[8:])},
		spanID:  zipkinmodel.ID(be64(sid[:])),
		kind:    modelKind(s.Kind()),
	}
	f, ok := flags[key]
	if !ok {
		return
	}
	if f[0] {
		s.Attributes().PutBool(AttrShared, true)
	}
	if f[1] {
		s.Attributes().PutBool(AttrDebug, true)
	}
}

// modelKind inverts the translator's kind mapping; spans without a Zipkin
// kind became Internal or Unspecified.
func modelKind(k ptrace.SpanKind) zipkinmodel.Kind {
	switch k {
	case ptrace.SpanKindClient:
		return zipkinmodel.Client
	case ptrace.SpanKindServer:
		return zipkinmodel.Server
	case ptrace.SpanKindProducer:
		return zipkinmodel.Producer
	case ptrace.SpanKindConsumer:
		return zipkinmodel.Consumer
	}
	return zipkinmodel.Undetermined
}

func be64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}
