package alsclient

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// alsServer is a go-control-plane ALS server that records each stream's
// messages.
type alsServer struct {
	accesslogv3.UnimplementedAccessLogServiceServer
	mu      sync.Mutex
	streams [][]*accesslogv3.StreamAccessLogsMessage
}

func (s *alsServer) StreamAccessLogs(stream grpc.ClientStreamingServer[accesslogv3.StreamAccessLogsMessage, accesslogv3.StreamAccessLogsResponse]) error {
	s.mu.Lock()
	idx := len(s.streams)
	s.streams = append(s.streams, nil)
	s.mu.Unlock()
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&accesslogv3.StreamAccessLogsResponse{})
		}
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.streams[idx] = append(s.streams[idx], msg)
		s.mu.Unlock()
	}
}

// codes lists the response codes received, in order, over all streams.
func (s *alsServer) codes() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uint32
	for _, st := range s.streams {
		for _, m := range st {
			for _, e := range m.GetHttpLogs().GetLogEntry() {
				out = append(out, e.GetResponse().GetResponseCode().GetValue())
			}
			for range m.GetTcpLogs().GetLogEntry() {
				out = append(out, 0)
			}
		}
	}
	return out
}

func start(t *testing.T, addr string) (*alsServer, *grpc.Server, string) {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &alsServer{}
	g := grpc.NewServer()
	accesslogv3.RegisterAccessLogServiceServer(g, s)
	go g.Serve(lis)
	return s, g, lis.Addr().String()
}

// item is an HTTP entry with the given code, or a TCP entry for code 0.
type item uint32

func convert(it *item) (*datav3.HTTPAccessLogEntry, *datav3.TCPAccessLogEntry) {
	if *it == 0 {
		return nil, &datav3.TCPAccessLogEntry{}
	}
	return &datav3.HTTPAccessLogEntry{Response: &datav3.HTTPResponseProperties{ResponseCode: wrap(uint32(*it))}}, nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
}

func TestStreamBatchesAndIdentifier(t *testing.T) {
	srv, g, addr := start(t, "127.0.0.1:0")
	defer g.Stop()
	node := &corev3.Node{Id: "sidecar~10.0.0.1~reviews-v1-abc.default~default.svc.cluster.local", Cluster: "reviews.default"}
	c, err := New(Config{Endpoint: addr, Node: node, BatchSize: 2, FlushInterval: time.Hour}, convert)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []item{200, 201, 0, 503, 404} {
		c.Enqueue(&code)
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.streams) != 1 {
		t.Fatalf("%d streams, want 1", len(srv.streams))
	}
	msgs := srv.streams[0]
	for i, m := range msgs {
		id := m.GetIdentifier()
		if (i == 0) != (id != nil) {
			t.Fatalf("message %d identifier %v: want it on the first message only", i, id)
		}
		if n := len(m.GetHttpLogs().GetLogEntry()) + len(m.GetTcpLogs().GetLogEntry()); n == 0 || n > 2 {
			t.Fatalf("message %d has %d entries, want 1..2", i, n)
		}
	}
	if id := msgs[0].GetIdentifier(); id.GetNode().GetId() != node.Id || id.GetLogName() != "meshlens_proxy" {
		t.Fatalf("identifier %v", id)
	}
	if st := c.Stats(); st.Sent != 5 || st.Streams != 1 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReconnectsAfterCollectorRestart(t *testing.T) {
	srv1, g1, addr := start(t, "127.0.0.1:0")
	c, err := New(Config{Endpoint: addr, FlushInterval: 2 * time.Millisecond, MinBackoff: time.Millisecond,
		MaxBackoff: 10 * time.Millisecond}, convert)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	c.Enqueue(ptr(200))
	waitFor(t, "the first entry", func() bool { return len(srv1.codes()) == 1 })
	g1.Stop()

	// While the collector is down, entries wait (or, written to the dying
	// stream, are lost as with Envoy); once it is back, new ones arrive.
	srv2, g2, _ := start(t, addr)
	defer g2.Stop()
	waitFor(t, "entries on the restarted collector", func() bool {
		c.Enqueue(ptr(204))
		return len(srv2.codes()) > 0
	})
	if st := c.Stats(); st.Streams < 2 {
		t.Fatalf("stats %+v: want a second stream", st)
	}
}

func TestBufferBoundWhileUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens: connections are refused
	c, err := New(Config{Endpoint: addr, FlushInterval: time.Hour, MaxBuffered: 3, MinBackoff: time.Hour}, convert)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		c.Enqueue(ptr(200))
	}
	if err := c.Flush(context.Background()); err == nil {
		t.Fatal("Flush to a refused endpoint returned nil")
	}
	st := c.Stats()
	// Dropped counts refusals by Enqueue and by the full sender buffer;
	// at most 3 queued plus 3 held can be kept.
	if st.Enqueued > 20 || st.Dropped < 20-6 || st.Dropped > 20 || st.Sent != 0 || st.Failures == 0 {
		t.Fatalf("stats %+v: want at most 2×3 entries kept of 20", st)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := New(Config{}, convert); err == nil {
		t.Fatal("empty endpoint accepted")
	}
}

func ptr(v item) *item { return &v }

func wrap(v uint32) *wrapperspb.UInt32Value { return wrapperspb.UInt32(v) }
