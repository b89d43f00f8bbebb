package storage

import (
	"context"
	"time"
)

// Reporter says which proxy reported a record and on which side of the call
// it sits. Direction is "source" (client side, outbound) or "destination"
// (server side, inbound), as Istio's `reporter` label.
type Reporter struct {
	Direction string
	Service   string
	Namespace string
	Version   string
	Workload  string
}

// AccessLog is one Envoy access-log record, in typed columns.
//
// Durations are in microseconds (Envoy logs milliseconds; microseconds keep
// gRPC ALS precision). A negative duration means Envoy logged "-" (unknown).
// ResponseCode is 0 for TCP records and for requests that got no response.
// String fields are "" where Envoy logged "-" or null. Method, Path and
// Protocol are "" for TCP records.
type AccessLog struct {
	Start                 time.Time
	DurationMicros        int64
	Method                string
	Path                  string
	Protocol              string
	ResponseCode          int32
	ResponseFlags         string
	ResponseCodeDetails   string
	ConnTerminationInfo   string
	UpstreamFailure       string
	BytesReceived         int64
	BytesSent             int64
	UpstreamServiceMicros int64
	XForwardedFor         string
	UserAgent             string
	RequestID             string
	Authority             string
	UpstreamHost          string
	UpstreamCluster       string
	UpstreamLocalAddress  string
	DownstreamLocal       string
	DownstreamRemote      string
	SNI                   string
	RouteName             string
	TraceID               string

	Reporter Reporter
	// The source and destination are derived at ingest from the reporter
	// and the upstream cluster name (storage/cluster);
	// Service is the short service name ("reviews"), "unknown" when it
	// cannot be derived. Version is the subset/version, "" when unknown.
	SourceService        string
	SourceNamespace      string
	SourceVersion        string
	DestinationService   string
	DestinationNamespace string
	DestinationVersion   string
}

// AccessLogWriter stores access-log records. It takes no ownership of the
// slice. See the package doc for the durability contract.
type AccessLogWriter interface {
	WriteAccessLogs(ctx context.Context, rows []AccessLog) error
}

// DeadLetter is an input that could not be parsed, kept raw so that nothing
// is silently dropped. Raw may be truncated by the backend to a documented
// limit; Size keeps the original length in bytes.
type DeadLetter struct {
	Received time.Time
	Source   string // e.g. "file:/var/log/istio/a.log:1234" or "grpc:10.0.0.1"
	Signal   string // "logs", "spans" or "metrics"
	Error    string
	Raw      []byte
	Size     int
}

// DeadLetterWriter stores unparseable input.
type DeadLetterWriter interface {
	WriteDeadLetters(ctx context.Context, rows []DeadLetter) error
}

// AccessLogQuery selects access-log records; zero fields do not filter.
// Results are newest first and at most Limit rows (a backend default applies
// when Limit <= 0).
type AccessLogQuery struct {
	Start, End   time.Time
	Service      string
	Direction    string
	ResponseCode int32
	CodeClass    int // 2 for 2xx, 5 for 5xx, ...
	ResponseFlag string
	PathPrefix   string
	RequestID    string
	Limit        int
}

// AccessLogReader searches stored access logs.
type AccessLogReader interface {
	FindAccessLogs(ctx context.Context, q AccessLogQuery) ([]AccessLog, error)
}
