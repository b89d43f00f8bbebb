package jaegerapi

// The Jaeger UI JSON model (jaeger's model/json, "uimodel"), as the v1
// endpoints return it. Slices the UI iterates are never null.

// Trace is one trace: its spans and the processes they reference by id.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
	Warnings  []string           `json:"warnings"`
}

// Span is one span. StartTime is epoch µs, Duration µs. Flags has bit 1
// sampled and bit 2 debug.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	Flags         uint32      `json:"flags,omitempty"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	StartTime     int64       `json:"startTime"`
	Duration      int64       `json:"duration"`
	Tags          []KeyValue  `json:"tags"`
	Logs          []Log       `json:"logs"`
	ProcessID     string      `json:"processID"`
	Warnings      []string    `json:"warnings"`
}

// Reference links a span to its parent (refType CHILD_OF).
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// KeyValue is a typed tag or log field; Type is "string", "bool", "int64"
// or "float64" and Value the matching JSON value.
type KeyValue struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Log is a timestamped (epoch µs) event; its name is the field "event".
type Log struct {
	Timestamp int64      `json:"timestamp"`
	Fields    []KeyValue `json:"fields"`
}

// Process is the service that emitted spans.
type Process struct {
	ServiceName string     `json:"serviceName"`
	Tags        []KeyValue `json:"tags"`
}

// Operation is a span name with its kind, as /api/operations lists it.
type Operation struct {
	Name     string `json:"name"`
	SpanKind string `json:"spanKind"`
}

// DependencyLink is calls from Parent to Child.
type DependencyLink struct {
	Parent    string `json:"parent"`
	Child     string `json:"child"`
	CallCount int64  `json:"callCount"`
}
