package als

import (
	"context"
	"strings"
	"testing"
	"time"

	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/meshlens/meshlens/storage"
)

// rawCodec sends []byte as it is, to put undecodable messages on the wire.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return v.([]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { return proto.Unmarshal(data, v.(proto.Message)) }
func (rawCodec) Name() string                       { return "proto" }

// TestUndecodableMessageEndsOnlyItsStream sends bytes gRPC cannot decode:
// garbage, and an entry whose path is not UTF-8 (Envoy's C++ protobuf
// sends such strings; Go's rejects them in proto3 string fields). The
// stream ends with Internal before the server sees the message, and the
// server keeps serving.
func TestUndecodableMessageEndsOnlyItsStream(t *testing.T) {
	const placeholder = "/placeholder"
	b, err := proto.Marshal(httpMsg(&datav3.HTTPAccessLogEntry{
		CommonProperties: &datav3.AccessLogCommon{StartTime: timestamppb.New(t0)},
		Request:          &datav3.HTTPRequestProperties{Path: placeholder},
	}))
	if err != nil {
		t.Fatal(err)
	}
	notUTF8 := []byte(strings.Replace(string(b), placeholder, "/\xff\xfe/path-x", 1))
	tests := []struct {
		name    string
		payload []byte
	}{
		{name: "garbage", payload: []byte{0xff, 0xff, 0xff}},
		{name: "path not utf-8", payload: notUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			conn, srv := serveConn(t, r)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := conn.NewStream(ctx, &accesslogv3.AccessLogService_ServiceDesc.Streams[0],
				accesslogv3.AccessLogService_StreamAccessLogs_FullMethodName, grpc.ForceCodec(rawCodec{}))
			if err != nil {
				t.Fatal(err)
			}
			s.SendMsg(tt.payload)
			s.CloseSend()
			if err := s.RecvMsg(&accesslogv3.StreamAccessLogsResponse{}); status.Code(err) != codes.Internal {
				t.Fatalf("stream error %v, want Internal", err)
			}
			client := accesslogv3.NewAccessLogServiceClient(conn)
			if err := stream(t, client, identified(productpageNode(t), httpMsg(outboundHTTP()))); err != nil {
				t.Fatalf("next stream: %v", err)
			}
			checkRows(t, r.recs, []storage.AccessLog{outboundHTTPRow()})
			if st := srv.Stats(); st.Streams != 2 || st.Messages != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}
