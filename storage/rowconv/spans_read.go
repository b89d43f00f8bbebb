package rowconv

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/storage"
)

// SpansFromTraces converts td into rows appended to dst, one per span, in
// td's order, following the package doc ("# Traces").
//
// It never fails as a whole: a span it cannot represent (an all-zero trace
// or span id) is skipped and reported in the returned error, one error per
// span wrapping ErrInvalidSpan and naming it, joined with errors.Join; the
// rest is converted. So every span of td is either a row or an error.
func SpansFromTraces(td ptrace.Traces, dst []storage.Span) ([]storage.Span, error) {
	var errs []error
	var res []storage.KeyValue
	dst = slices.Grow(dst, td.SpanCount()) // spans are large: grow once
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		var service string
		service, res = resourceAttrs(rs.Resource().Attributes(), res[:0])
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := range spans.Len() {
				sp := spans.At(k)
				if err := checkSpan(sp, service); err != nil {
					errs = append(errs, err)
					continue
				}
				dst = append(dst, storage.Span{})
				spanFromPdata(&dst[len(dst)-1], sp, service, ss.Scope(), res)
			}
		}
	}
	return dst, errors.Join(errs...)
}

// resourceAttrs returns service.name (the first, should it repeat) and the
// other resource attributes, which every span of the resource carries in
// Attrs.
func resourceAttrs(m pcommon.Map, dst []storage.KeyValue) (string, []storage.KeyValue) {
	var service string
	seen := false
	for k, v := range m.All() {
		if k == ResourceService {
			if !seen {
				service, seen = v.AsString(), true
			}
			continue
		}
		dst = append(dst, storage.KeyValue{Key: k, Value: v.AsString()})
	}
	return service, dst
}

func checkSpan(sp ptrace.Span, service string) error {
	var why string
	switch {
	case sp.TraceID().IsEmpty():
		why = "all-zero trace id"
	case sp.SpanID().IsEmpty():
		why = "all-zero span id"
	default:
		return nil
	}
	tid, sid := sp.TraceID(), sp.SpanID()
	return fmt.Errorf("span %q of service %q (trace %s, span %s): %s: %w",
		sp.Name(), service, hex.EncodeToString(tid[:]), hex.EncodeToString(sid[:]), why, ErrInvalidSpan)
}

func spanFromPdata(r *storage.Span, sp ptrace.Span, service string, scope pcommon.InstrumentationScope, res []storage.KeyValue) {
	tid := sp.TraceID()
	r.TraceID = storage.TraceID{High: binary.BigEndian.Uint64(tid[:8]), Low: binary.BigEndian.Uint64(tid[8:])}
	sid, pid := sp.SpanID(), sp.ParentSpanID()
	r.SpanID = binary.BigEndian.Uint64(sid[:])
	if p := binary.BigEndian.Uint64(pid[:]); p != r.SpanID {
		r.ParentID = p
	}
	r.Service = service
	r.Name = sp.Name()
	kind := sp.Kind()
	for _, k := range spanKinds {
		if k.otlp == kind {
			r.Kind = k.row
		}
	}
	start, end := sp.StartTimestamp(), sp.EndTimestamp()
	r.Start = start.AsTime()
	if end > start {
		r.DurationMicros = int64((end - start) / 1000)
	}
	r.StatusCode = int32(sp.Status().Code())
	r.Attrs = spanAttrs(r, sp, scope, res)
	deriveColumns(r, r.Attrs)
	if _, failed := searchAttr(r.Attrs, AttrZipkinError); failed && r.StatusCode == int32(ptrace.StatusCodeUnset) {
		r.StatusCode = int32(ptrace.StatusCodeError)
	}
	r.Events = spanEvents(sp.Events())
}

// spanAttrs collects a span's Attrs: its attributes, then the span fields
// kept as attributes, then the resource's; sorted by key, and where a key
// repeats, the first of them in that order wins. The Zipkin flag carriers
// set r.Shared and r.Debug instead.
func spanAttrs(r *storage.Span, sp ptrace.Span, scope pcommon.InstrumentationScope, res []storage.KeyValue) []storage.KeyValue {
	var buf [attrScratch]storage.KeyValue
	attrs := buf[:0]
	for k, v := range sp.Attributes().All() {
		switch k {
		case AttrZipkinShared:
			r.Shared = v.AsString() == "true"
		case AttrZipkinDebug:
			r.Debug = v.AsString() == "true"
		case AttrZipkinStartAbsent:
		default:
			attrs = append(attrs, storage.KeyValue{Key: k, Value: v.AsString()})
		}
	}
	for _, kv := range [...]storage.KeyValue{
		{Key: AttrStatusDescription, Value: sp.Status().Message()},
		{Key: AttrTraceState, Value: sp.TraceState().AsRaw()},
		{Key: AttrScopeName, Value: scope.Name()},
		{Key: AttrScopeVersion, Value: scope.Version()},
	} {
		if kv.Value != "" {
			attrs = append(attrs, kv)
		}
	}
	attrs = appendLinks(attrs, sp.Links())
	return sortAttrs(append(attrs, res...))
}

// attrScratch is the number of attributes collected on the stack before
// sorting: sorting there skips the GC write barriers that moving strings
// around in heap memory costs, which was most of the conversion time.
const attrScratch = 48

// sortAttrs sorts attrs by key in place, drops later repeats of a key and
// returns a copy of exactly the result's length; an empty result is nil.
func sortAttrs(attrs []storage.KeyValue) []storage.KeyValue {
	if !slices.IsSortedFunc(attrs, byKey) {
		slices.SortStableFunc(attrs, byKey)
	}
	attrs = slices.CompactFunc(attrs, func(a, b storage.KeyValue) bool { return a.Key == b.Key })
	if len(attrs) == 0 {
		return nil
	}
	return slices.Clone(attrs)
}

// appendLinks encodes links as the contrib Zipkin translator does, so that
// they survive as Zipkin tags: AttrLinkPrefix+i =
// "traceid|spanid|tracestate|{attributes as JSON strings}|dropped count".
func appendLinks(attrs []storage.KeyValue, links ptrace.SpanLinkSlice) []storage.KeyValue {
	for i := range links.Len() {
		l := links.At(i)
		la := make(map[string]string, l.Attributes().Len())
		for k, v := range l.Attributes().All() {
			la[k] = v.AsString()
		}
		j, _ := json.Marshal(la) // a map of strings always marshals
		attrs = append(attrs, storage.KeyValue{
			Key: AttrLinkPrefix + strconv.Itoa(i),
			Value: fmt.Sprintf("%s|%s|%s|%s|%d", l.TraceID(), l.SpanID(), l.TraceState().AsRaw(), j,
				l.DroppedAttributesCount()),
		})
	}
	return attrs
}

func spanEvents(evs ptrace.SpanEventSlice) []storage.SpanEvent {
	if evs.Len() == 0 {
		return nil
	}
	out := make([]storage.SpanEvent, evs.Len())
	for i := range out {
		e := evs.At(i)
		out[i] = storage.SpanEvent{Time: e.Timestamp().AsTime(), Name: e.Name()}
		if m := e.Attributes(); m.Len() > 0 {
			var buf [attrScratch]storage.KeyValue
			attrs := buf[:0]
			for k, v := range m.All() {
				attrs = append(attrs, storage.KeyValue{Key: k, Value: v.AsString()})
			}
			out[i].Attrs = sortAttrs(attrs)
		}
	}
	return out
}
