package telemetry

import (
	"net"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// alsItem is what Finish hands the ALS client: a copy of the record and
// the trace id (logged as the x-b3-traceid request header, as Envoy's
// additional_request_headers_to_log would).
type alsItem struct {
	rec     Record
	traceID string
	tcp     bool
}

// alsEntry converts an item into an Envoy HTTP or TCP access-log entry,
// with the values Envoy's gRPC logger fills for the same request.
func alsEntry(it *alsItem) (*datav3.HTTPAccessLogEntry, *datav3.TCPAccessLogEntry) {
	r := &it.rec
	common := &datav3.AccessLogCommon{
		StartTime:                      timestamppb.New(r.Start),
		Duration:                       durationpb.New(r.Duration),
		TimeToLastDownstreamTxByte:     durationpb.New(r.Duration),
		ResponseFlags:                  responseFlagsProto(r.ResponseFlags),
		UpstreamCluster:                r.UpstreamCluster,
		UpstreamRemoteAddress:          socketAddress(r.UpstreamHost),
		UpstreamLocalAddress:           socketAddress(r.UpstreamLocalAddress),
		DownstreamLocalAddress:         socketAddress(r.DownstreamLocalAddress),
		DownstreamRemoteAddress:        socketAddress(r.DownstreamRemoteAddress),
		UpstreamTransportFailureReason: r.UpstreamTransportFailureReason,
		RouteName:                      r.RouteName,
		ConnectionTerminationDetails:   r.ConnectionTerminationDetails,
		UpstreamRequestAttemptCount:    uint32(max(r.Attempts, 0)),
	}
	if r.RequestedServerName != "" {
		common.TlsProperties = &datav3.TLSProperties{TlsSniHostname: r.RequestedServerName}
	}
	if it.tcp {
		common.AccessLogType = datav3.AccessLogType_TcpConnectionEnd
		return nil, &datav3.TCPAccessLogEntry{
			CommonProperties: common,
			ConnectionProperties: &datav3.ConnectionProperties{
				ReceivedBytes: uint64(max(r.BytesReceived, 0)),
				SentBytes:     uint64(max(r.BytesSent, 0)),
			},
		}
	}
	common.AccessLogType = datav3.AccessLogType_DownstreamEnd
	req := &datav3.HTTPRequestProperties{
		RequestMethod:    corev3.RequestMethod(corev3.RequestMethod_value[r.Method]),
		Scheme:           "http",
		Authority:        r.Authority,
		Path:             r.Path,
		UserAgent:        r.UserAgent,
		ForwardedFor:     r.XForwardedFor,
		RequestId:        r.RequestID,
		RequestBodyBytes: uint64(max(r.BytesReceived, 0)),
	}
	if it.traceID != "" {
		req.RequestHeaders = map[string]string{"x-b3-traceid": it.traceID}
	}
	resp := &datav3.HTTPResponseProperties{
		ResponseBodyBytes:   uint64(max(r.BytesSent, 0)),
		ResponseCodeDetails: r.ResponseCodeDetails,
	}
	if r.ResponseCode > 0 {
		resp.ResponseCode = wrapperspb.UInt32(uint32(r.ResponseCode))
	}
	if r.UpstreamServiceTime >= 0 {
		resp.ResponseHeaders = map[string]string{
			"x-envoy-upstream-service-time": strconv.FormatInt(millis(r.UpstreamServiceTime), 10),
		}
	}
	return &datav3.HTTPAccessLogEntry{
		CommonProperties: common,
		ProtocolVersion:  httpVersion(r.Protocol),
		Request:          req,
		Response:         resp,
	}, nil
}

func httpVersion(p string) datav3.HTTPAccessLogEntry_HTTPVersion {
	switch p {
	case "HTTP/1.0":
		return datav3.HTTPAccessLogEntry_HTTP10
	case "HTTP/1.1":
		return datav3.HTTPAccessLogEntry_HTTP11
	case "HTTP/2", "HTTP/2.0":
		return datav3.HTTPAccessLogEntry_HTTP2
	case "HTTP/3":
		return datav3.HTTPAccessLogEntry_HTTP3
	}
	return datav3.HTTPAccessLogEntry_PROTOCOL_UNSPECIFIED
}

// socketAddress parses "ip:port" (or "[ipv6]:port"); anything else is
// no address.
func socketAddress(hostport string) *corev3.Address {
	if hostport == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil
	}
	p, err := strconv.ParseUint(port, 10, 32)
	if err != nil {
		return nil
	}
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: host, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: uint32(p)},
	}}}
}

// responseFlagsProto sets the proto fields of Envoy's short flags
// ("UF,URX"); unknown flags are ignored, as the proto has no field for
// them.
func responseFlagsProto(flags string) *datav3.ResponseFlags {
	if flags == "" || flags == "-" {
		return nil
	}
	f := &datav3.ResponseFlags{}
	for short := range strings.SplitSeq(flags, ",") {
		switch short {
		case "LH":
			f.FailedLocalHealthcheck = true
		case "UH":
			f.NoHealthyUpstream = true
		case "UT":
			f.UpstreamRequestTimeout = true
		case "LR":
			f.LocalReset = true
		case "UR":
			f.UpstreamRemoteReset = true
		case "UF":
			f.UpstreamConnectionFailure = true
		case "UC":
			f.UpstreamConnectionTermination = true
		case "UO":
			f.UpstreamOverflow = true
		case "NR":
			f.NoRouteFound = true
		case "DI":
			f.DelayInjected = true
		case "FI":
			f.FaultInjected = true
		case "RL":
			f.RateLimited = true
		case "UAEX":
			f.UnauthorizedDetails = &datav3.ResponseFlags_Unauthorized{Reason: datav3.ResponseFlags_Unauthorized_EXTERNAL_SERVICE}
		case "RLSE":
			f.RateLimitServiceError = true
		case "DC":
			f.DownstreamConnectionTermination = true
		case "URX":
			f.UpstreamRetryLimitExceeded = true
		case "SI":
			f.StreamIdleTimeout = true
		case "IH":
			f.InvalidEnvoyRequestHeaders = true
		case "DPE":
			f.DownstreamProtocolError = true
		case "UMSDR":
			f.UpstreamMaxStreamDurationReached = true
		case "RFCF":
			f.ResponseFromCacheFilter = true
		case "NFCF":
			f.NoFilterConfigFound = true
		case "DT":
			f.DurationTimeout = true
		case "UPE":
			f.UpstreamProtocolError = true
		case "NC":
			f.NoClusterFound = true
		case "OM":
			f.OverloadManager = true
		case "DF":
			f.DnsResolutionFailure = true
		case "DR":
			f.DownstreamRemoteReset = true
		}
	}
	return f
}

// node is the Envoy node an Istio sidecar of this identity presents:
// id sidecar~ip~pod.ns~ns.svc.cluster.local, cluster <app>.<namespace>,
// and the metadata Istio's receivers read (NAME, NAMESPACE, LABELS with
// app, version and the canonical labels, WORKLOAD_NAME, CLUSTER_ID,
// MESH_ID).
func (id *Identity) node() *corev3.Node {
	labels := map[string]any{}
	if id.App != "" {
		labels["app"] = id.App
		labels["service.istio.io/canonical-name"] = id.App
	}
	if id.Version != "" {
		labels["version"] = id.Version
		labels["service.istio.io/canonical-revision"] = id.Version
	}
	md := map[string]any{
		"NAME":          id.pod(),
		"NAMESPACE":     id.Namespace,
		"LABELS":        labels,
		"WORKLOAD_NAME": id.Workload,
		"CLUSTER_ID":    id.Cluster,
		"MESH_ID":       id.MeshID,
	}
	for k, v := range md {
		if s, ok := v.(string); ok && s == "" {
			delete(md, k)
		}
	}
	st, err := structpb.NewStruct(md)
	if err != nil { // cannot happen: strings and a map of strings
		st = nil
	}
	n := &corev3.Node{Id: id.nodeID(), Cluster: id.serviceCluster(), Metadata: st}
	if id.Zone != "" {
		n.Locality = &corev3.Locality{Zone: id.Zone}
	}
	return n
}
