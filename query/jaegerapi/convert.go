package jaegerapi

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// Jaeger's span flags.
const (
	flagSampled = 1
	flagDebug   = 2
)

// toUITrace converts a stored trace to the Jaeger UI model. adjust applies
// what Jaeger's query service does unless ?raw=true: the span-id
// uniquifier and tags sorted by key. Processes are one per service, named
// p1, p2, … in order of first appearance.
func toUITrace(t storage.Trace, adjust bool) Trace {
	spans := t.Spans
	if adjust {
		spans = uniquifySpanIDs(spans)
	}
	out := Trace{
		TraceID:   tracefmt.TraceIDString(t.ID),
		Spans:     make([]Span, len(spans)),
		Processes: map[string]Process{},
	}
	pids := map[string]string{}
	for i := range spans {
		s := &spans[i]
		pid, ok := pids[s.Service]
		if !ok {
			pid = "p" + strconv.Itoa(len(pids)+1)
			pids[s.Service] = pid
			out.Processes[pid] = Process{ServiceName: s.Service, Tags: []KeyValue{}}
		}
		out.Spans[i] = toUISpan(s, pid, adjust)
	}
	return out
}

func toUISpan(s *storage.Span, pid string, sortTags bool) Span {
	traceID := tracefmt.TraceIDString(s.TraceID)
	u := Span{
		TraceID:       traceID,
		SpanID:        tracefmt.SpanIDString(s.SpanID),
		Flags:         flagSampled,
		OperationName: s.Name,
		References:    []Reference{},
		StartTime:     s.Start.UnixMicro(),
		Duration:      s.DurationMicros,
		Tags:          uiTags(s),
		Logs:          make([]Log, len(s.Events)),
		ProcessID:     pid,
	}
	if s.Debug {
		u.Flags |= flagDebug
	}
	if s.ParentID != 0 {
		u.References = append(u.References, Reference{RefType: "CHILD_OF", TraceID: traceID,
			SpanID: tracefmt.SpanIDString(s.ParentID)})
	}
	if sortTags {
		slices.SortStableFunc(u.Tags, func(a, b KeyValue) int { return cmp.Compare(a.Key, b.Key) })
	}
	for i, e := range s.Events {
		fields := make([]KeyValue, 0, len(e.Attrs)+1)
		fields = append(fields, KeyValue{Key: "event", Type: "string", Value: e.Name})
		for _, kv := range e.Attrs {
			fields = append(fields, uiValue(kv.Key, kv.Value))
		}
		u.Logs[i] = Log{Timestamp: e.Time.UnixMicro(), Fields: fields}
	}
	return u
}

// uiTags are the span's tags as Jaeger shows an OTLP span: its attributes
// and columns, span.kind, and the status as otel.status_code plus
// error=true, typed where receivers store a type.
func uiTags(s *storage.Span) []KeyValue {
	tags := tracefmt.Tags(s)
	out := make([]KeyValue, 0, len(tags)+3)
	hasError := false
	for _, kv := range tags {
		out = append(out, uiValue(kv.Key, kv.Value))
		hasError = hasError || kv.Key == rowconv.AttrZipkinError
	}
	if s.Kind != "" {
		out = append(out, KeyValue{Key: "span.kind", Type: "string", Value: string(s.Kind)})
	}
	switch s.StatusCode {
	case tracefmt.StatusOK:
		out = append(out, KeyValue{Key: "otel.status_code", Type: "string", Value: "OK"})
	case tracefmt.StatusError:
		out = append(out, KeyValue{Key: "otel.status_code", Type: "string", Value: "ERROR"})
		if !hasError {
			out = append(out, KeyValue{Key: rowconv.AttrZipkinError, Type: "bool", Value: true})
		}
	}
	return out
}

// uiValue types a stored string value: error=true/false as a bool (the UI
// marks error spans by it), integer attributes as int64, the rest strings.
func uiValue(key, value string) KeyValue {
	switch {
	case key == rowconv.AttrZipkinError && (value == "true" || value == "false"):
		return KeyValue{Key: key, Type: "bool", Value: value == "true"}
	case tracefmt.IsIntKey(key):
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			return KeyValue{Key: key, Type: "int64", Value: n}
		}
	}
	return KeyValue{Key: key, Type: "string", Value: value}
}
