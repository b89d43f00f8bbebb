package als

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/meshlens/meshlens/storage"
)

var t0 = time.Date(2026, 11, 29, 10, 0, 0, 123456000, time.UTC)

func sock(ip string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port},
	}}}
}

// istioNode is the node an Istio sidecar of the given workload sends.
func istioNode(t testing.TB, pod, ns string, md map[string]any) *corev3.Node {
	t.Helper()
	s, err := structpb.NewStruct(md)
	if err != nil {
		t.Fatal(err)
	}
	return &corev3.Node{
		Id:       fmt.Sprintf("sidecar~10.244.0.7~%s.%s~%s.svc.cluster.local", pod, ns, ns),
		Cluster:  strings.SplitN(pod, "-", 2)[0] + "." + ns,
		Metadata: s,
	}
}

func productpageNode(t testing.TB) *corev3.Node {
	return istioNode(t, "productpage-v1-6b746f74dc-9stvs", "default", map[string]any{
		"NAME": "productpage-v1-6b746f74dc-9stvs", "NAMESPACE": "default", "WORKLOAD_NAME": "productpage-v1",
		"LABELS": map[string]any{
			"app": "productpage", "version": "v1",
			"service.istio.io/canonical-name": "productpage", "service.istio.io/canonical-revision": "v1",
		},
	})
}

func identified(node *corev3.Node, m *accesslogv3.StreamAccessLogsMessage) *accesslogv3.StreamAccessLogsMessage {
	m.Identifier = &accesslogv3.StreamAccessLogsMessage_Identifier{Node: node, LogName: "als"}
	return m
}

func httpMsg(entries ...*datav3.HTTPAccessLogEntry) *accesslogv3.StreamAccessLogsMessage {
	return &accesslogv3.StreamAccessLogsMessage{LogEntries: &accesslogv3.StreamAccessLogsMessage_HttpLogs{
		HttpLogs: &accesslogv3.StreamAccessLogsMessage_HTTPAccessLogEntries{LogEntry: entries},
	}}
}

func tcpMsg(entries ...*datav3.TCPAccessLogEntry) *accesslogv3.StreamAccessLogsMessage {
	return &accesslogv3.StreamAccessLogsMessage{LogEntries: &accesslogv3.StreamAccessLogsMessage_TcpLogs{
		TcpLogs: &accesslogv3.StreamAccessLogsMessage_TCPAccessLogEntries{LogEntry: entries},
	}}
}

// outboundHTTP is a failed outbound call from productpage to reviews v2
// with every field set.
func outboundHTTP() *datav3.HTTPAccessLogEntry {
	return &datav3.HTTPAccessLogEntry{
		CommonProperties: &datav3.AccessLogCommon{
			StartTime: timestamppb.New(t0),
			Duration:  durationpb.New(12345 * time.Microsecond),
			// Set in another order than Envoy renders them.
			ResponseFlags: &datav3.ResponseFlags{
				UpstreamRetryLimitExceeded: true, UpstreamConnectionFailure: true, NoHealthyUpstream: true,
			},
			ConnectionTerminationDetails:   "conn-term",
			UpstreamTransportFailureReason: "TLS_error:_268435581:SSL_routines",
			UpstreamRemoteAddress:          sock("10.244.0.9", 9080),
			UpstreamCluster:                "outbound|9080|v2|reviews.default.svc.cluster.local",
			UpstreamLocalAddress:           sock("10.244.0.7", 40334),
			DownstreamLocalAddress:         sock("10.96.0.10", 9080),
			DownstreamRemoteAddress:        sock("10.244.0.7", 51234),
			TlsProperties:                  &datav3.TLSProperties{TlsSniHostname: "outbound_.9080_.v2_.reviews.default.svc.cluster.local"},
			RouteName:                      "default",
		},
		ProtocolVersion: datav3.HTTPAccessLogEntry_HTTP11,
		Request: &datav3.HTTPRequestProperties{
			RequestMethod:    corev3.RequestMethod_GET,
			Path:             "/reviews/0",
			Authority:        "reviews:9080",
			UserAgent:        "curl/8.5.0",
			ForwardedFor:     "10.0.0.1",
			RequestId:        "6d67d674-3b1d-9c4c-a2f5-4c1e0f0a9b2d",
			RequestBodyBytes: 10,
			RequestHeaders:   map[string]string{"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7"},
		},
		Response: &datav3.HTTPResponseProperties{
			ResponseCode:        wrapperspb.UInt32(503),
			ResponseCodeDetails: "upstream_reset_before_response_started{connection_failure}",
			ResponseBodyBytes:   91,
			ResponseHeaders:     map[string]string{"x-envoy-upstream-service-time": "11"},
		},
	}
}

func outboundHTTPRow() storage.AccessLog {
	return storage.AccessLog{
		Start: t0, DurationMicros: 12345, Method: "GET", Path: "/reviews/0", Protocol: "HTTP/1.1",
		ResponseCode: 503, ResponseFlags: "UH,UF,URX",
		ResponseCodeDetails:   "upstream_reset_before_response_started{connection_failure}",
		ConnTerminationInfo:   "conn-term",
		UpstreamFailure:       "TLS_error:_268435581:SSL_routines",
		BytesReceived:         10,
		BytesSent:             91,
		UpstreamServiceMicros: 11000,
		XForwardedFor:         "10.0.0.1",
		UserAgent:             "curl/8.5.0",
		RequestID:             "6d67d674-3b1d-9c4c-a2f5-4c1e0f0a9b2d",
		Authority:             "reviews:9080",
		UpstreamHost:          "10.244.0.9:9080",
		UpstreamCluster:       "outbound|9080|v2|reviews.default.svc.cluster.local",
		UpstreamLocalAddress:  "10.244.0.7:40334",
		DownstreamLocal:       "10.96.0.10:9080",
		DownstreamRemote:      "10.244.0.7:51234",
		SNI:                   "outbound_.9080_.v2_.reviews.default.svc.cluster.local",
		RouteName:             "default",
		TraceID:               "80f198ee56343ba864fe8b2a57d3eff7",
		Reporter: storage.Reporter{
			Direction: "source", Service: "productpage", Namespace: "default", Version: "v1", Workload: "productpage-v1",
		},
		SourceService: "productpage", SourceNamespace: "default", SourceVersion: "v1",
		DestinationService: "reviews", DestinationNamespace: "default", DestinationVersion: "v2",
	}
}

// diffRows lists the fields in which got and want differ.
func diffRows(got, want storage.AccessLog) []string {
	var out []string
	var walk func(prefix string, g, w reflect.Value)
	walk = func(prefix string, g, w reflect.Value) {
		for i := range g.NumField() {
			name := prefix + g.Type().Field(i).Name
			gf, wf := g.Field(i), w.Field(i)
			if gf.Kind() == reflect.Struct && gf.Type() != reflect.TypeFor[time.Time]() {
				walk(name+".", gf, wf)
				continue
			}
			if !reflect.DeepEqual(gf.Interface(), wf.Interface()) {
				out = append(out, fmt.Sprintf("%s: got %v, want %v", name, gf.Interface(), wf.Interface()))
			}
		}
	}
	walk("", reflect.ValueOf(got), reflect.ValueOf(want))
	return out
}

func checkRows(t *testing.T, got, want []storage.AccessLog) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		for _, d := range diffRows(got[i], want[i]) {
			t.Errorf("row %d: %s", i, d)
		}
	}
}
