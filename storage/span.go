package storage

import (
	"context"
	"time"
)

// TraceID is a 128-bit trace id; 64-bit B3 ids have High == 0.
type TraceID struct {
	High, Low uint64
}

// SpanKind follows OpenTelemetry/Zipkin: "client", "server", "producer",
// "consumer" or "" (internal/unspecified).
type SpanKind string

// KeyValue is one span attribute. Values are kept as strings, as Zipkin tags.
type KeyValue struct {
	Key, Value string
}

// SpanEvent is a timestamped annotation.
type SpanEvent struct {
	Time  time.Time
	Name  string
	Attrs []KeyValue
}

// Span is one span in typed columns. Duration is in microseconds.
// Shared marks Envoy's B3 "shared" server spans, which reuse the client's
// span id.
type Span struct {
	TraceID         TraceID
	SpanID          uint64
	ParentID        uint64
	Service         string
	Name            string
	Kind            SpanKind
	Shared          bool
	Debug           bool
	Start           time.Time
	DurationMicros  int64
	StatusCode      int32 // 0 unset, 1 ok, 2 error (OTLP status codes)
	HTTPMethod      string
	HTTPRoute       string
	HTTPStatus      int32
	PeerService     string
	RequestID       string
	ResponseFlags   string
	UpstreamCluster string
	Attrs           []KeyValue
	Events          []SpanEvent
}

// SpanWriter stores spans; exact duplicates are stored once. It takes no
// ownership of the slice. See the package doc for the durability contract.
type SpanWriter interface {
	WriteSpans(ctx context.Context, spans []Span) error
}

// TraceQuery is a Jaeger-shaped trace search; zero fields do not filter.
type TraceQuery struct {
	Service     string
	Operation   string
	Tags        map[string]string
	Start, End  time.Time
	MinDuration time.Duration
	MaxDuration time.Duration
	Limit       int
}

// Operation is a span name seen for a service, with its kind.
type Operation struct {
	Name string
	Kind SpanKind
}

// Trace is every stored span of one trace id, in start order.
type Trace struct {
	ID    TraceID
	Spans []Span
}

// TraceReader is the Jaeger-shaped read side of spans.
// GetTrace returns ErrNotFound for an unknown id.
type TraceReader interface {
	Services(ctx context.Context) ([]string, error)
	Operations(ctx context.Context, service string, kind SpanKind) ([]Operation, error)
	FindTraces(ctx context.Context, q TraceQuery) ([]Trace, error)
	GetTrace(ctx context.Context, id TraceID) (Trace, error)
	TracesByRequestID(ctx context.Context, requestID string) ([]Trace, error)
}

// DependencyLink is the traced calls from service Parent to service Child in
// a window. CallCount counts calls; ErrorCount counts those with a span of
// the call (client or server side) in status error.
type DependencyLink struct {
	Parent, Child         string
	CallCount, ErrorCount int64
}

// DependencyReader is an optional ability: the service dependency graph
// derived from spans that started in [end-lookback, end].
//
// A call is a client→server parent/child pair whose services differ (a
// server span whose parent is a client span of another service), or an
// Envoy B3 shared server span (Shared, same span id as its client span)
// paired with that client span; either pair is one call. A server span
// whose caller is not instrumented (no parent, or a parent that is not a
// client span) is a call from the service "unknown"; a client span with no
// server span and a PeerService is a call to that uninstrumented peer, as
// Zipkin's dependency linker counts them. One link per (Parent, Child), in
// no particular order; an empty window is an empty slice and a nil error.
type DependencyReader interface {
	Dependencies(ctx context.Context, end time.Time, lookback time.Duration) ([]DependencyLink, error)
}

// RemoteServiceReader is an optional ability: the distinct remote (peer)
// service names that service's spans name (PeerService), sorted. An unknown
// service is an empty slice and a nil error.
type RemoteServiceReader interface {
	RemoteServices(ctx context.Context, service string) ([]string, error)
}

// AutocompleteReader is an optional ability: the span attribute keys the
// backend is configured to index for value autocompletion, and the distinct
// values stored for one of them, both sorted. A key that is not configured
// has no values: an empty slice and a nil error.
type AutocompleteReader interface {
	AutocompleteKeys(ctx context.Context) ([]string, error)
	AutocompleteValues(ctx context.Context, key string) ([]string, error)
}
