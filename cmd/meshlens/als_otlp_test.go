package main

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/meshapi"
)

// TestAccessLogsFromALSAndOTLP sends access logs through Envoy's gRPC
// access-log service (go-control-plane's client, with Istio node metadata)
// and as OTLP logs (the collector's OTLP gRPC client), and finds both.
func TestAccessLogsFromALSAndOTLP(t *testing.T) {
	dir := t.TempDir()
	queryAddr, alsAddr, otlpAddr := testutil.FreeAddr(t), testutil.FreeAddr(t), testutil.FreeAddr(t)
	startMeshlens(t, testConfig(dir, queryAddr,
		fmt.Sprintf("  envoyaccesslog: {grpc: {endpoint: %q}}\n  otlp: {protocols: {grpc: {endpoint: %q}}}", alsAddr, otlpAddr),
		"    logs: {receivers: [envoyaccesslog, otlp], exporters: [meshlens]}"), queryAddr)
	now := time.Now().UTC().Truncate(time.Millisecond)

	// Envoy's gRPC access-log service.
	conn, err := grpc.NewClient(alsAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := accesslogv3.NewAccessLogServiceClient(conn).StreamAccessLogs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	md, _ := structpb.NewStruct(map[string]any{"NAME": "productpage-v1-abc", "NAMESPACE": "default",
		"WORKLOAD_NAME": "productpage-v1", "LABELS": map[string]any{"app": "productpage", "version": "v1"}})
	msg := &accesslogv3.StreamAccessLogsMessage{
		Identifier: &accesslogv3.StreamAccessLogsMessage_Identifier{LogName: "als",
			Node: &corev3.Node{Id: "sidecar~10.0.0.7~productpage-v1-abc.default~default.svc.cluster.local", Metadata: md}},
		LogEntries: &accesslogv3.StreamAccessLogsMessage_HttpLogs{HttpLogs: &accesslogv3.StreamAccessLogsMessage_HTTPAccessLogEntries{
			LogEntry: []*datav3.HTTPAccessLogEntry{{
				CommonProperties: &datav3.AccessLogCommon{
					StartTime: timestamppb.New(now), Duration: durationpb.New(7 * time.Millisecond),
					ResponseFlags:   &datav3.ResponseFlags{UpstreamConnectionFailure: true},
					UpstreamCluster: "outbound|9080|v2|reviews.default.svc.cluster.local",
				},
				Request:  &datav3.HTTPRequestProperties{RequestId: "als-req-1", Path: "/reviews/0", Authority: "reviews:9080"},
				Response: &datav3.HTTPResponseProperties{ResponseCode: wrapperspb.UInt32(503)},
			}},
		}},
	}
	if err := stream.Send(msg); err != nil {
		t.Fatal(err)
	}

	// OTLP logs with Istio's JSON access-log keys.
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "frontend")
	rl.Resource().Attributes().PutStr("service.namespace", "shop")
	a := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
	a.PutStr("start_time", now.Format(time.RFC3339Nano))
	a.PutInt("response_code", 200)
	a.PutStr("request_id", "otlp-req-1")
	a.PutDouble("duration", 3.5)
	a.PutStr("upstream_cluster", "outbound|80||cart.shop.svc.cluster.local")
	if _, err := plogotlp.NewGRPCClient(mustConn(t, otlpAddr)).Export(context.Background(), plogotlp.NewExportRequestFromLogs(ld)); err != nil {
		t.Fatal(err)
	}

	api := "http://" + queryAddr + meshapi.Prefix
	var als, otlp meshapi.RequestAnswer
	testutil.WaitFor(t, "both records", 20*time.Second, func() error {
		if getJSON(t, api+"requests/als-req-1", &als) != 200 || getJSON(t, api+"requests/otlp-req-1", &otlp) != 200 {
			return fmt.Errorf("not stored yet")
		}
		return nil
	})
	r := als.AccessLogs[0]
	if r.ResponseCode != 503 || r.ResponseFlags != "UF" || r.Reporter.Service != "productpage" ||
		r.Reporter.Namespace != "default" || r.Reporter.Direction != "source" ||
		r.Destination.Service != "reviews" || r.Destination.Version != "v2" || *r.DurationMs != 7 {
		t.Errorf("ALS record = %+v", r)
	}
	o := otlp.AccessLogs[0]
	if o.ResponseCode != 200 || *o.DurationMs != 3.5 || o.Reporter.Service != "frontend" ||
		o.Destination.Service != "cart" || o.Destination.Namespace != "shop" {
		t.Errorf("OTLP record = %+v", o)
	}
	var edges meshapi.REDAnswer
	getJSON(t, api+"red?"+url.Values{"by": {"edge"}, "start": {"0"}, "end": {"4102444800"}}.Encode(), &edges)
	if len(edges.Rows) != 2 {
		t.Errorf("RED by edge = %+v, want 2 edges", edges.Rows)
	}
}

func mustConn(t *testing.T, addr string) *grpc.ClientConn {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
