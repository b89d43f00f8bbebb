// Package istiometrics keeps Istio's standard metrics (istio_requests_total,
// istio_request_duration_milliseconds, istio_request_bytes,
// istio_response_bytes and istio_tcp_*) for one proxy, with Istio's label
// names in Istio's order and Envoy's default histogram buckets, in a
// client_golang registry.
//
// The hot path is one series lookup per request: a label set is a
// comparable struct, and the client_golang children for it are cached in a
// concurrent map keyed by that struct, so the per-request cost is a hash of
// the label values and a few atomic adds (no label-value slice, no
// client_golang label-map lookup).
package istiometrics

// HTTPLabelNames are Istio's labels of HTTP/gRPC metrics, in Istio's order
// (istio.io reference/config/metrics; istio/proxy testdata/metric).
var HTTPLabelNames = []string{
	"reporter",
	"source_workload", "source_canonical_service", "source_canonical_revision",
	"source_workload_namespace", "source_principal", "source_app", "source_version", "source_cluster",
	"destination_workload", "destination_workload_namespace", "destination_principal",
	"destination_app", "destination_version", "destination_service",
	"destination_canonical_service", "destination_canonical_revision",
	"destination_service_name", "destination_service_namespace", "destination_cluster",
	"request_protocol", "response_code", "grpc_response_status", "response_flags",
	"connection_security_policy",
}

// TCPLabelNames are the labels of the istio_tcp_* metrics: the HTTP set
// without response_code and grpc_response_status.
var TCPLabelNames = []string{
	"reporter",
	"source_workload", "source_canonical_service", "source_canonical_revision",
	"source_workload_namespace", "source_principal", "source_app", "source_version", "source_cluster",
	"destination_workload", "destination_workload_namespace", "destination_principal",
	"destination_app", "destination_version", "destination_service",
	"destination_canonical_service", "destination_canonical_revision",
	"destination_service_name", "destination_service_namespace", "destination_cluster",
	"request_protocol", "response_flags", "connection_security_policy",
}

// Workload is one side's labels (source_* or destination_*). Values are
// used as given: the caller maps unknown values to "unknown" as Istio does.
type Workload struct {
	Workload          string
	Namespace         string
	Principal         string
	App               string
	Version           string
	CanonicalService  string
	CanonicalRevision string
	Cluster           string
}

// TCPLabels is the label set of one TCP series. It is comparable and is
// the cache key of its series.
type TCPLabels struct {
	Reporter                    string // "source" or "destination"
	Source                      Workload
	Destination                 Workload
	DestinationService          string // FQDN
	DestinationServiceName      string
	DestinationServiceNamespace string
	RequestProtocol             string // "tcp" for TCP, "http" or "grpc" for HTTP
	ResponseFlags               string // "-" when none
	ConnectionSecurityPolicy    string // "mutual_tls", "none" or "unknown"
}

// HTTPLabels is the label set of one HTTP series: the TCP set plus the
// response code and gRPC status. It is comparable and is the cache key of
// its series.
type HTTPLabels struct {
	TCPLabels
	ResponseCode       string
	GRPCResponseStatus string // "" when not gRPC
}

// values lists l's values in TCPLabelNames order.
func (l *TCPLabels) values() []string {
	return []string{
		l.Reporter,
		l.Source.Workload, l.Source.CanonicalService, l.Source.CanonicalRevision,
		l.Source.Namespace, l.Source.Principal, l.Source.App, l.Source.Version, l.Source.Cluster,
		l.Destination.Workload, l.Destination.Namespace, l.Destination.Principal,
		l.Destination.App, l.Destination.Version, l.DestinationService,
		l.Destination.CanonicalService, l.Destination.CanonicalRevision,
		l.DestinationServiceName, l.DestinationServiceNamespace, l.Destination.Cluster,
		l.RequestProtocol, l.ResponseFlags, l.ConnectionSecurityPolicy,
	}
}

// values lists l's values in HTTPLabelNames order.
func (l *HTTPLabels) values() []string {
	v := l.TCPLabels.values()
	// Insert response_code and grpc_response_status before response_flags.
	out := make([]string, 0, len(HTTPLabelNames))
	out = append(out, v[:21]...)
	out = append(out, l.ResponseCode, l.GRPCResponseStatus)
	return append(out, v[21:]...)
}
