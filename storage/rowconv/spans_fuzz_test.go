package rowconv

import (
	"cmp"
	"reflect"
	"slices"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/storage"
)

// FuzzSpansFromTraces builds ptrace from fuzzed ids, names, attributes,
// kinds, statuses and times: conversion must not panic, must account for
// every span (a row or an error), must keep the fuzzed attribute, and its
// rows must survive rows → ptrace → rows exactly.
func FuzzSpansFromTraces(f *testing.F) {
	f.Add([]byte{15: 1}, []byte{7: 1}, []byte{}, "frontend", "GET /", "http.status_code", "200", uint8(2), uint8(0), uint64(1e18), uint64(1e18+5000))
	f.Add([]byte{}, []byte{}, []byte{7: 1}, "", "", "zipkin.shared", "true", uint8(1), uint8(2), uint64(0), uint64(0))
	f.Add([]byte{1}, []byte{1}, []byte{1}, "s", "n", "http.url", "http://h?x#y", uint8(9), uint8(7), ^uint64(0), uint64(1))
	f.Add([]byte{15: 1}, []byte{7: 1}, []byte{7: 1}, "s", "n", "error", "-", uint8(0), uint8(1), uint64(5), ^uint64(0))
	f.Fuzz(func(t *testing.T, traceID, spanID, parentID []byte, service, name, key, value string,
		kind, status uint8, start, end uint64) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr(ResourceService, service)
		rs.Resource().Attributes().PutStr("res."+key, value)
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(value)
		sp := ss.Spans().AppendEmpty()
		var tid [16]byte
		var sid, pid [8]byte
		copy(tid[:], traceID)
		copy(sid[:], spanID)
		copy(pid[:], parentID)
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetParentSpanID(pid)
		sp.SetName(name)
		sp.SetKind(ptrace.SpanKind(kind % 7))
		sp.Status().SetCode(ptrace.StatusCode(status % 4))
		sp.Status().SetMessage(value)
		sp.TraceState().FromRaw(value)
		sp.SetStartTimestamp(pcommon.Timestamp(start))
		sp.SetEndTimestamp(pcommon.Timestamp(end))
		sp.Attributes().PutStr(key, value)
		sp.Attributes().PutStr(AttrHTTPURL, value)
		ev := sp.Events().AppendEmpty()
		ev.SetName(value)
		ev.SetTimestamp(pcommon.Timestamp(start))
		ev.Attributes().PutStr(key, value)
		l := sp.Links().AppendEmpty()
		l.SetTraceID(tid)
		l.Attributes().PutStr(key, value)
		other := ss.Spans().AppendEmpty()
		sp.CopyTo(other)
		other.SetTraceID(pcommon.TraceID{15: 1})
		other.SetSpanID(pcommon.SpanID{7: 2})

		rows := checkSpanRows(t, td)
		carrier := key == AttrZipkinShared || key == AttrZipkinDebug || key == AttrZipkinStartAbsent
		for _, r := range rows {
			if _, ok := lookupAttr(r.Attrs, key); !ok && !carrier {
				t.Fatalf("attribute %q lost: %+v", key, r.Attrs)
			}
		}
	})
}

// FuzzSpansFromOTLP feeds arbitrary OTLP protobuf to the converter, with
// the same guarantees as FuzzSpansFromTraces.
func FuzzSpansFromOTLP(f *testing.F) {
	var m ptrace.ProtoMarshaler
	for _, td := range []ptrace.Traces{envoyTraces(3), ptrace.NewTraces()} {
		b, err := m.MarshalTraces(td)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var u ptrace.ProtoUnmarshaler
	f.Fuzz(func(t *testing.T, b []byte) {
		td, err := u.UnmarshalTraces(b)
		if err != nil {
			return
		}
		checkSpanRows(t, td)
	})
}

// checkSpanRows converts td and checks what holds for any input: every span
// is a row or an error, Attrs are sorted with unique keys, and the rows
// round-trip exactly.
func checkSpanRows(t *testing.T, td ptrace.Traces) []storage.Span {
	t.Helper()
	rows, err := SpansFromTraces(td, nil)
	nerr := 0
	if err != nil {
		nerr = len(err.(interface{ Unwrap() []error }).Unwrap())
	}
	if len(rows)+nerr != td.SpanCount() {
		t.Fatalf("%d spans in, %d rows and %d errors out: %v", td.SpanCount(), len(rows), nerr, err)
	}
	for _, r := range rows {
		if !sortedUniqueKeys(r.Attrs) {
			t.Fatalf("Attrs not sorted and unique: %+v", r.Attrs)
		}
		for _, e := range r.Events {
			if !sortedUniqueKeys(e.Attrs) {
				t.Fatalf("event Attrs not sorted and unique: %+v", e.Attrs)
			}
		}
	}
	back := ptrace.NewTraces()
	AppendTraces(back, rows)
	again, err := SpansFromTraces(back, nil)
	if err != nil || !reflect.DeepEqual(again, rows) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, again, rows)
	}
	return rows
}

func sortedUniqueKeys(kv []storage.KeyValue) bool {
	return slices.IsSortedFunc(kv, func(a, b storage.KeyValue) int { return cmp.Compare(a.Key, b.Key) }) &&
		len(slices.CompactFunc(slices.Clone(kv), func(a, b storage.KeyValue) bool { return a.Key == b.Key })) == len(kv)
}
