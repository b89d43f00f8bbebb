package als

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/meshlens/meshlens/storage"
)

// recorder is the downstream: it keeps what it is given, or fails.
type recorder struct {
	mu   sync.Mutex
	recs []storage.AccessLog
	dead []storage.DeadLetter
	fail error
}

func (r *recorder) deliver(_ context.Context, recs []storage.AccessLog) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.recs = append(r.recs, recs...) // copies: the server reuses recs
	return nil
}

func (r *recorder) deadLetter(_ context.Context, rows []storage.DeadLetter) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dead = append(r.dead, rows...)
	return nil
}

// serve runs a Server on a loopback listener and returns a real
// go-control-plane client connected to it.
func serve(t *testing.T, r *recorder) (accesslogv3.AccessLogServiceClient, *Server) {
	t.Helper()
	conn, srv := serveConn(t, r)
	return accesslogv3.NewAccessLogServiceClient(conn), srv
}

// serveConn is serve returning the client connection itself.
func serveConn(t *testing.T, r *recorder) (*grpc.ClientConn, *Server) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	srv := NewServer(r.deliver, slog.New(slog.DiscardHandler), WithDeadLetter(r.deadLetter))
	srv.now = func() time.Time { return t0 }
	srv.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, srv
}

// stream sends msgs on one stream and closes it; once it returns, the
// server has handled every message.
func stream(t *testing.T, c accesslogv3.AccessLogServiceClient, msgs ...*accesslogv3.StreamAccessLogsMessage) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.StreamAccessLogs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := s.Send(m); err != nil {
			break // the server ended the stream; CloseAndRecv says why
		}
	}
	_, err = s.CloseAndRecv()
	return err
}

func TestStreamAccessLogs(t *testing.T) {
	inbound := &datav3.HTTPAccessLogEntry{
		CommonProperties: &datav3.AccessLogCommon{
			StartTime:                  timestamppb.New(t0.Add(time.Second)),
			TimeToLastDownstreamTxByte: durationpb.New(1500 * time.Microsecond), // no duration: Envoy < 1.27
			ResponseFlags:              &datav3.ResponseFlags{DownstreamConnectionTermination: true, UnauthorizedDetails: &datav3.ResponseFlags_Unauthorized{}},
			UpstreamCluster:            "inbound|9080||",
			UpstreamRemoteAddress:      sock("10.244.0.9", 9080),
			DownstreamRemoteAddress:    sock("fd00::7", 40334),
		},
		ProtocolVersion: datav3.HTTPAccessLogEntry_HTTP2,
		Request: &datav3.HTTPRequestProperties{
			RequestMethod: corev3.RequestMethod_POST, Path: "/rewritten", OriginalPath: "/reviews/1",
			RequestHeaders: map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		},
		Response: &datav3.HTTPResponseProperties{ResponseCode: wrapperspb.UInt32(200)},
	}
	reviewsNode := istioNode(t, "reviews-v2-7bf8c9648f-xk2lt", "default", map[string]any{
		"NAME": "reviews-v2-7bf8c9648f-xk2lt", "NAMESPACE": "default",
		"LABELS": map[string]any{"app": "reviews", "version": "v2"},
	})
	tcp := &datav3.TCPAccessLogEntry{
		CommonProperties: &datav3.AccessLogCommon{
			StartTime:       timestamppb.New(t0),
			Duration:        durationpb.New(2 * time.Second),
			ResponseFlags:   &datav3.ResponseFlags{UpstreamConnectionFailure: true},
			UpstreamCluster: "outbound|3306||mysql.db.svc.cluster.local",
		},
		ConnectionProperties: &datav3.ConnectionProperties{ReceivedBytes: 1234, SentBytes: 5678},
	}
	tests := []struct {
		name          string
		msgs          []*accesslogv3.StreamAccessLogsMessage
		want          []storage.AccessLog
		wantMalformed int
	}{
		{
			name: "istio outbound http, every field",
			msgs: []*accesslogv3.StreamAccessLogsMessage{identified(productpageNode(t), httpMsg(outboundHTTP()))},
			want: []storage.AccessLog{outboundHTTPRow()},
		},
		{
			name: "istio inbound http2, original path, labels without canonical name",
			msgs: []*accesslogv3.StreamAccessLogsMessage{identified(reviewsNode, httpMsg(inbound))},
			want: []storage.AccessLog{{
				Start: t0.Add(time.Second), DurationMicros: 1500, Method: "POST", Path: "/reviews/1", Protocol: "HTTP/2",
				ResponseCode: 200, ResponseFlags: "UAEX,DC", UpstreamServiceMicros: -1,
				UpstreamHost: "10.244.0.9:9080", UpstreamCluster: "inbound|9080||", DownstreamRemote: "[fd00::7]:40334",
				TraceID:       "4bf92f3577b34da6a3ce929d0e0e4736",
				Reporter:      storage.Reporter{Direction: "destination", Service: "reviews", Namespace: "default", Version: "v2"},
				SourceService: "unknown", DestinationService: "reviews", DestinationNamespace: "default", DestinationVersion: "v2",
			}},
		},
		{
			name: "plain envoy, tcp",
			msgs: []*accesslogv3.StreamAccessLogsMessage{identified(&corev3.Node{Id: "edge-1", Cluster: "front-proxy"}, tcpMsg(tcp))},
			want: []storage.AccessLog{{
				Start: t0, DurationMicros: 2_000_000, ResponseFlags: "UF", BytesReceived: 1234, BytesSent: 5678,
				UpstreamServiceMicros: -1, UpstreamCluster: "outbound|3306||mysql.db.svc.cluster.local",
				Reporter:      storage.Reporter{Direction: "source", Service: "front-proxy", Workload: "edge-1"},
				SourceService: "front-proxy", DestinationService: "mysql", DestinationNamespace: "db",
			}},
		},
		{
			name: "identifier only in the first message; empty and malformed entries keep the stream",
			msgs: []*accesslogv3.StreamAccessLogsMessage{
				identified(productpageNode(t), &accesslogv3.StreamAccessLogsMessage{}),                                                            // no entries at all
				httpMsg(&datav3.HTTPAccessLogEntry{}),                                                                                             // no common properties
				httpMsg(&datav3.HTTPAccessLogEntry{CommonProperties: &datav3.AccessLogCommon{}}),                                                  // no start time
				tcpMsg(&datav3.TCPAccessLogEntry{CommonProperties: &datav3.AccessLogCommon{StartTime: &timestamppb.Timestamp{Seconds: 1 << 62}}}), // invalid start time
				httpMsg(outboundHTTP()),
			},
			want:          []storage.AccessLog{outboundHTTPRow()},
			wantMalformed: 3,
		},
		{
			name: "no identifier at all",
			msgs: []*accesslogv3.StreamAccessLogsMessage{tcpMsg(&datav3.TCPAccessLogEntry{CommonProperties: &datav3.AccessLogCommon{StartTime: timestamppb.New(t0)}})},
			want: []storage.AccessLog{{
				Start: t0, DurationMicros: -1, UpstreamServiceMicros: -1,
				Reporter:      storage.Reporter{Direction: "destination"},
				SourceService: "unknown", DestinationService: "unknown",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			client, srv := serve(t, r)
			if err := stream(t, client, tt.msgs...); err != nil {
				t.Fatalf("stream: %v", err)
			}
			checkRows(t, r.recs, tt.want)
			if len(r.dead) != tt.wantMalformed {
				t.Fatalf("%d dead letters, want %d", len(r.dead), tt.wantMalformed)
			}
			for _, d := range r.dead {
				if !strings.HasPrefix(d.Source, "grpc:127.0.0.1:") || d.Signal != "logs" || d.Error == "" || d.Size != len(d.Raw) || !d.Received.Equal(t0) {
					t.Errorf("dead letter %+v", d)
				}
			}
			if st := srv.Stats(); st.Malformed != int64(tt.wantMalformed) || st.Delivered != int64(len(tt.want)) || st.Messages != int64(len(tt.msgs)) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestDeliverFailureEndsStream checks that a store failure is answered with
// Unavailable (Envoy reconnects), and that the next stream works again.
func TestDeliverFailureEndsStream(t *testing.T) {
	r := &recorder{fail: errors.New("disk full")}
	client, srv := serve(t, r)
	err := stream(t, client, identified(productpageNode(t), httpMsg(outboundHTTP())), httpMsg(outboundHTTP()))
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("stream error %v, want Unavailable carrying the cause", err)
	}
	r.fail = nil
	if err := stream(t, client, identified(productpageNode(t), httpMsg(outboundHTTP()))); err != nil {
		t.Fatal(err)
	}
	checkRows(t, r.recs, []storage.AccessLog{outboundHTTPRow()})
	if st := srv.Stats(); st.DeliverErrors != 1 || st.Streams != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestDeadLetterRawRoundTrips checks a dead letter holds the entry itself.
func TestDeadLetterRawRoundTrips(t *testing.T) {
	r := &recorder{}
	client, _ := serve(t, r)
	bad := &datav3.HTTPAccessLogEntry{Request: &datav3.HTTPRequestProperties{Path: "/no-common"}}
	if err := stream(t, client, httpMsg(bad)); err != nil {
		t.Fatal(err)
	}
	var got datav3.HTTPAccessLogEntry
	if len(r.dead) != 1 || proto.Unmarshal(r.dead[0].Raw, &got) != nil || !proto.Equal(&got, bad) {
		t.Fatalf("dead letters %+v, want the entry", r.dead)
	}
}

func TestFlagsString(t *testing.T) {
	tests := []struct {
		name  string
		flags *datav3.ResponseFlags
		want  string
	}{
		{name: "nil", want: ""},
		{name: "none", flags: &datav3.ResponseFlags{}, want: ""},
		{name: "one", flags: &datav3.ResponseFlags{NoRouteFound: true}, want: "NR"},
		{name: "unauthorized details", flags: &datav3.ResponseFlags{UnauthorizedDetails: &datav3.ResponseFlags_Unauthorized{}}, want: "UAEX"},
		{name: "envoy order", flags: &datav3.ResponseFlags{DownstreamRemoteReset: true, FailedLocalHealthcheck: true, StreamIdleTimeout: true}, want: "LH,SI,DR"},
		{name: "every flag", flags: everyFlag(), want: "LH,UH,UT,LR,UR,UF,UC,UO,NR,DI,FI,RL,UAEX,RLSE,DC,URX,SI,IH,DPE,UMSDR,RFCF,NFCF,DT,UPE,NC,OM,DF,DR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FlagsString(tt.flags); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// everyFlag sets every field of ResponseFlags through reflection, so that
// a flag added to the proto but not to responseFlags shows up.
func everyFlag() *datav3.ResponseFlags {
	f := &datav3.ResponseFlags{UnauthorizedDetails: &datav3.ResponseFlags_Unauthorized{}}
	m := f.ProtoReflect()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		if fd := fields.Get(i); fd.Message() == nil {
			m.Set(fd, protoreflect.ValueOfBool(true))
		}
	}
	if n := fields.Len(); n != len(responseFlags) {
		panic("ResponseFlags has fields responseFlags does not render")
	}
	return f
}

func TestReporterFromNode(t *testing.T) {
	tests := []struct {
		name string
		node *corev3.Node
		want storage.Reporter
	}{
		{name: "nil", want: storage.Reporter{}},
		{name: "istio metadata", node: productpageNode(t), want: storage.Reporter{Service: "productpage", Namespace: "default", Version: "v1", Workload: "productpage-v1"}},
		{
			name: "istio without metadata: node id and cluster",
			node: &corev3.Node{Id: "sidecar~10.0.0.1~ratings-v1-abc.shop~shop.svc.cluster.local", Cluster: "ratings.shop"},
			want: storage.Reporter{Service: "ratings", Namespace: "shop"},
		},
		{
			name: "canonical revision when no version label",
			node: istioNode(t, "details-v1-x", "default", map[string]any{"NAMESPACE": "default", "LABELS": map[string]any{
				"service.istio.io/canonical-name": "details", "service.istio.io/canonical-revision": "latest",
			}}),
			want: storage.Reporter{Service: "details", Namespace: "default", Version: "latest"},
		},
		{name: "plain envoy", node: &corev3.Node{Id: "edge-1", Cluster: "front-proxy"}, want: storage.Reporter{Service: "front-proxy", Workload: "edge-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReporterFromNode(tt.node); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAddress(t *testing.T) {
	tests := []struct {
		name string
		addr *corev3.Address
		want string
	}{
		{name: "nil", want: ""},
		{name: "ipv4", addr: sock("10.0.0.1", 80), want: "10.0.0.1:80"},
		{name: "ipv6", addr: sock("::1", 8080), want: "[::1]:8080"},
		{name: "named port", addr: &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
			Address: "10.0.0.1", PortSpecifier: &corev3.SocketAddress_NamedPort{NamedPort: "http"}}}}, want: "10.0.0.1:http"},
		{name: "pipe", addr: &corev3.Address{Address: &corev3.Address_Pipe{Pipe: &corev3.Pipe{Path: "/run/envoy.sock"}}}, want: "/run/envoy.sock"},
		{name: "internal", addr: &corev3.Address{Address: &corev3.Address_EnvoyInternalAddress{EnvoyInternalAddress: &corev3.EnvoyInternalAddress{
			AddressNameSpecifier: &corev3.EnvoyInternalAddress_ServerListenerName{ServerListenerName: "inner"}, EndpointId: "e1"}}}, want: "envoy://inner/e1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := address(tt.addr); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHeaderMillis(t *testing.T) {
	for in, want := range map[string]int64{"": -1, "11": 11000, " 7 ": 7000, "-3": -1, "1.5": -1, "x": -1, "99999999999999999999": -1} {
		if got := headerMillis(in); got != want {
			t.Errorf("headerMillis(%q) = %d, want %d", in, got, want)
		}
	}
}
