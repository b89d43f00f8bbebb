package storage

import (
	"fmt"
	"time"
)

// Field is one scalar field of a stored row type: the column name every
// backend gives it and its accessor, which returns a pointer into the row
// and is one of func(*T) *string, *int64, *int32, *uint64, *bool,
// *time.Time or *SpanKind. Backends map each to a column type of their own
// (a backend may suffix a time column's name with its unit); these lists
// fix the names and the order, so that the backends cannot drift apart.
type Field[T any] struct {
	Name string
	Ptr  any
}

type al = AccessLog

// AccessLogFields are AccessLog's columns, in table order.
var AccessLogFields = []Field[AccessLog]{
	{"start", func(r *al) *time.Time { return &r.Start }},
	{"duration_us", func(r *al) *int64 { return &r.DurationMicros }},
	{"method", func(r *al) *string { return &r.Method }},
	{"path", func(r *al) *string { return &r.Path }},
	{"protocol", func(r *al) *string { return &r.Protocol }},
	{"response_code", func(r *al) *int32 { return &r.ResponseCode }},
	{"response_flags", func(r *al) *string { return &r.ResponseFlags }},
	{"response_code_details", func(r *al) *string { return &r.ResponseCodeDetails }},
	{"connection_termination_details", func(r *al) *string { return &r.ConnTerminationInfo }},
	{"upstream_transport_failure_reason", func(r *al) *string { return &r.UpstreamFailure }},
	{"bytes_received", func(r *al) *int64 { return &r.BytesReceived }},
	{"bytes_sent", func(r *al) *int64 { return &r.BytesSent }},
	{"upstream_service_time_us", func(r *al) *int64 { return &r.UpstreamServiceMicros }},
	{"x_forwarded_for", func(r *al) *string { return &r.XForwardedFor }},
	{"user_agent", func(r *al) *string { return &r.UserAgent }},
	{"request_id", func(r *al) *string { return &r.RequestID }},
	{"authority", func(r *al) *string { return &r.Authority }},
	{"upstream_host", func(r *al) *string { return &r.UpstreamHost }},
	{"upstream_cluster", func(r *al) *string { return &r.UpstreamCluster }},
	{"upstream_local_address", func(r *al) *string { return &r.UpstreamLocalAddress }},
	{"downstream_local_address", func(r *al) *string { return &r.DownstreamLocal }},
	{"downstream_remote_address", func(r *al) *string { return &r.DownstreamRemote }},
	{"requested_server_name", func(r *al) *string { return &r.SNI }},
	{"route_name", func(r *al) *string { return &r.RouteName }},
	{"trace_id", func(r *al) *string { return &r.TraceID }},
	{"reporter", func(r *al) *string { return &r.Reporter.Direction }},
	{"reporter_service", func(r *al) *string { return &r.Reporter.Service }},
	{"reporter_namespace", func(r *al) *string { return &r.Reporter.Namespace }},
	{"reporter_version", func(r *al) *string { return &r.Reporter.Version }},
	{"reporter_workload", func(r *al) *string { return &r.Reporter.Workload }},
	{"source_service", func(r *al) *string { return &r.SourceService }},
	{"source_namespace", func(r *al) *string { return &r.SourceNamespace }},
	{"source_version", func(r *al) *string { return &r.SourceVersion }},
	{"destination_service", func(r *al) *string { return &r.DestinationService }},
	{"destination_namespace", func(r *al) *string { return &r.DestinationNamespace }},
	{"destination_version", func(r *al) *string { return &r.DestinationVersion }},
}

type sp = Span

// SpanFields are Span's scalar columns, in table order; backends follow
// them with their own representation of Attrs and Events.
var SpanFields = []Field[Span]{
	{"trace_id_high", func(r *sp) *uint64 { return &r.TraceID.High }},
	{"trace_id_low", func(r *sp) *uint64 { return &r.TraceID.Low }},
	{"span_id", func(r *sp) *uint64 { return &r.SpanID }},
	{"parent_id", func(r *sp) *uint64 { return &r.ParentID }},
	{"service", func(r *sp) *string { return &r.Service }},
	{"name", func(r *sp) *string { return &r.Name }},
	{"kind", func(r *sp) *SpanKind { return &r.Kind }},
	{"shared", func(r *sp) *bool { return &r.Shared }},
	{"debug", func(r *sp) *bool { return &r.Debug }},
	{"start", func(r *sp) *time.Time { return &r.Start }},
	{"duration_us", func(r *sp) *int64 { return &r.DurationMicros }},
	{"status_code", func(r *sp) *int32 { return &r.StatusCode }},
	{"http_method", func(r *sp) *string { return &r.HTTPMethod }},
	{"http_route", func(r *sp) *string { return &r.HTTPRoute }},
	{"http_status", func(r *sp) *int32 { return &r.HTTPStatus }},
	{"peer_service", func(r *sp) *string { return &r.PeerService }},
	{"request_id", func(r *sp) *string { return &r.RequestID }},
	{"response_flags", func(r *sp) *string { return &r.ResponseFlags }},
	{"upstream_cluster", func(r *sp) *string { return &r.UpstreamCluster }},
}

// ColumnMakers are a backend's column constructors, one per accessor type
// a Field may have; MapFields picks among them.
type ColumnMakers[T, C any] struct {
	String   func(name string, p func(*T) *string) C
	Int64    func(name string, p func(*T) *int64) C
	Int32    func(name string, p func(*T) *int32) C
	Uint64   func(name string, p func(*T) *uint64) C
	Bool     func(name string, p func(*T) *bool) C
	Time     func(name string, p func(*T) *time.Time) C
	SpanKind func(name string, p func(*T) *SpanKind) C
}

// MapFields makes one column per field, in order, with room for extra
// more. A field whose accessor is none of Field's types is a programming
// error and panics, naming the field.
func MapFields[T, C any](fs []Field[T], m ColumnMakers[T, C], extra int) []C {
	out := make([]C, 0, len(fs)+extra)
	for _, f := range fs {
		switch p := f.Ptr.(type) {
		case func(*T) *string:
			out = append(out, m.String(f.Name, p))
		case func(*T) *int64:
			out = append(out, m.Int64(f.Name, p))
		case func(*T) *int32:
			out = append(out, m.Int32(f.Name, p))
		case func(*T) *uint64:
			out = append(out, m.Uint64(f.Name, p))
		case func(*T) *bool:
			out = append(out, m.Bool(f.Name, p))
		case func(*T) *time.Time:
			out = append(out, m.Time(f.Name, p))
		case func(*T) *SpanKind:
			out = append(out, m.SpanKind(f.Name, p))
		default:
			panic(fmt.Sprintf("storage: field %s: unhandled accessor %T", f.Name, f.Ptr))
		}
	}
	return out
}
