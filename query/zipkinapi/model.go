package zipkinapi

// Span is Zipkin's v2 JSON span (zipkin2-api.yaml, definitions/Span), its
// fields in the order Zipkin's own encoder writes them. Absent values are
// omitted, as Zipkin omits them: no parentId on a root, no kind on a local
// span, no timestamp or duration when unknown.
type Span struct {
	TraceID        string       `json:"traceId"`
	ParentID       string       `json:"parentId,omitempty"`
	ID             string       `json:"id"`
	Kind           string       `json:"kind,omitempty"`
	Name           string       `json:"name,omitempty"`
	Timestamp      int64        `json:"timestamp,omitempty"` // epoch µs
	Duration       int64        `json:"duration,omitempty"`  // µs
	LocalEndpoint  *Endpoint    `json:"localEndpoint,omitempty"`
	RemoteEndpoint *Endpoint    `json:"remoteEndpoint,omitempty"`
	Annotations    []Annotation `json:"annotations,omitempty"`
	Tags           Tags         `json:"tags,omitempty"`
	Debug          bool         `json:"debug,omitempty"`
	Shared         bool         `json:"shared,omitempty"`
}

// Endpoint is one side of a span: a service and, when known, its address.
type Endpoint struct {
	ServiceName string `json:"serviceName,omitempty"`
	IPv4        string `json:"ipv4,omitempty"`
	IPv6        string `json:"ipv6,omitempty"`
	Port        int    `json:"port,omitempty"`
}

// Annotation is a timestamped event (epoch µs).
type Annotation struct {
	Timestamp int64  `json:"timestamp"`
	Value     string `json:"value"`
}

// DependencyLink is calls from Parent to Child; errorCount is omitted when
// zero, as Zipkin writes it.
type DependencyLink struct {
	Parent     string `json:"parent"`
	Child      string `json:"child"`
	CallCount  int64  `json:"callCount"`
	ErrorCount int64  `json:"errorCount,omitempty"`
}
