package telemetry

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/meshlens/meshlens/receivers/envoyaccesslog/als"
	"github.com/meshlens/meshlens/receivers/envoyaccesslog/format"
	"github.com/meshlens/meshlens/storage"
)

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

// TestFileOutputParsesWithReceiver writes text and JSON logs to files
// through a whole Telemetry (Begin, Finish, TCP, Close) and parses every
// line with the receiver's "auto" parser.
func TestFileOutputParsesWithReceiver(t *testing.T) {
	auto, err := format.ForName("auto")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FormatText, FormatJSON} {
		t.Run(f, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			cfg := DefaultConfig()
			cfg.Identity = Identity{Workload: "reviews-v2", Namespace: "default", App: "reviews", Version: "v2"}
			cfg.AccessLog = AccessLogConfig{Format: f, Output: OutputFile, Path: path, FlushInterval: time.Hour}
			tel, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			recs := sampleRecords()
			var ids []string
			for i := range recs {
				o := tel.Begin(recs[i].Direction, http.Header{})
				recs[i].RequestID = "" // taken from Begin
				ids = append(ids, o.RequestID())
				o.Finish(&recs[i])
			}
			c := tel.OpenTCP(Outbound, Peer{}, Peer{Service: "mongodb.db.svc.cluster.local"})
			c.Close(&Record{Start: time.Now(), Duration: 10 * time.Second, BytesSent: 2502541, BytesReceived: 791,
				UpstreamHost: "10.43.0.1:27018", UpstreamCluster: "outbound|27018||mongodb.db.svc.cluster.local",
				ResponseFlags: "UF,URX"})
			if err := tel.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := tel.Close(context.Background()); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			tel.Begin(Inbound, http.Header{}).Finish(&recs[0]) // after Close: dropped, no panic

			file, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			sc := bufio.NewScanner(file)
			var rows []storage.AccessLog
			for sc.Scan() {
				var a storage.AccessLog
				if err := auto.Parse(sc.Bytes(), storage.Reporter{}, &a); err != nil {
					t.Fatalf("receiver rejects %q: %v", sc.Text(), err)
				}
				rows = append(rows, a)
			}
			if len(rows) != len(recs)+1 {
				t.Fatalf("%d lines, want %d", len(rows), len(recs)+1)
			}
			for i := range recs {
				want := wantRow(&recs[i])
				want.RequestID = ids[i]
				if got := logColumns(rows[i]); !reflect.DeepEqual(got, want) {
					t.Errorf("line %d:\n got  %+v\n want %+v", i, got, want)
				}
			}
			tcp := rows[len(recs)]
			if tcp.Method != "" || tcp.Protocol != "" || tcp.BytesSent != 2502541 || tcp.ResponseFlags != "UF,URX" ||
				tcp.DurationMicros != 10_000_000 || tcp.UpstreamServiceMicros != -1 {
				t.Errorf("TCP row %+v", tcp)
			}
			if st := tel.Stats().AccessLog; st.Lines != int64(len(recs)+1) || st.Dropped != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// alsRecorder is the receiver side's deliver function.
type alsRecorder struct {
	mu   sync.Mutex
	rows []storage.AccessLog
}

func (r *alsRecorder) deliver(_ context.Context, recs []storage.AccessLog) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, recs...)
	return nil
}

func (r *alsRecorder) snapshot() []storage.AccessLog {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]storage.AccessLog(nil), r.rows...)
}

// TestALSRoundTrip streams entries to meshlens' own ALS receiver server
// over real gRPC: every row comes back with the logged columns, the trace
// id, and a reporter identified from the node metadata.
func TestALSRoundTrip(t *testing.T) {
	rec := &alsRecorder{}
	srv := als.NewServer(rec.deliver, nil)
	g := grpc.NewServer()
	srv.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	defer g.Stop()

	cfg := DefaultConfig()
	cfg.Identity = Identity{Workload: "productpage-v1", Namespace: "default", App: "productpage", Version: "v1",
		Pod: "productpage-v1-7d9c8", IP: "10.244.0.9", Cluster: "Kubernetes"}
	cfg.AccessLog = AccessLogConfig{Output: OutputALS, ALSEndpoint: lis.Addr().String(), FlushInterval: time.Hour}
	cfg.Tracing.ZipkinEndpoint = "http://127.0.0.1:1/api/v2/spans" // traced, so the trace id is logged
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())

	recs := sampleRecords()
	traceIDs := make([]string, len(recs))
	for i := range recs {
		h := http.Header{"X-Request-Id": {recs[i].RequestID}}
		o := tel.Begin(recs[i].Direction, h)
		c, _ := o.(*observation).TraceContext()
		traceIDs[i] = c.TraceIDString()
		o.Finish(&recs[i])
	}
	c := tel.OpenTCP(Outbound, Peer{}, Peer{})
	c.Close(&Record{Start: time.Now(), Duration: time.Second, BytesSent: 5, BytesReceived: 7, UpstreamCluster: "outbound|27018||mongodb.db.svc.cluster.local"})
	if err := tel.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rows at the receiver", func() bool { return len(rec.snapshot()) == len(recs)+1 })

	rows := rec.snapshot()
	for i := range recs {
		got := rows[i]
		if got.Reporter.Service != "productpage" || got.Reporter.Namespace != "default" ||
			got.Reporter.Version != "v1" || got.Reporter.Workload != "productpage-v1" {
			t.Errorf("row %d reporter %+v", i, got.Reporter)
		}
		if got.TraceID != traceIDs[i] {
			t.Errorf("row %d trace id %q, want %q", i, got.TraceID, traceIDs[i])
		}
		want := wantRow(&recs[i])
		// ALS carries the exact times, not Envoy's text milliseconds.
		want.Start = recs[i].Start.UTC()
		want.DurationMicros = recs[i].Duration.Microseconds()
		if got := logColumns(got); !reflect.DeepEqual(got, want) {
			t.Errorf("row %d:\n got  %+v\n want %+v", i, got, want)
		}
	}
	if tcp := rows[len(recs)]; tcp.BytesSent != 5 || tcp.BytesReceived != 7 || tcp.Method != "" ||
		tcp.UpstreamCluster != "outbound|27018||mongodb.db.svc.cluster.local" {
		t.Errorf("TCP row %+v", tcp)
	}
	if st := srv.Stats(); st.Streams != 1 || st.Malformed != 0 {
		t.Errorf("receiver stats %+v", st)
	}
}

func TestNodeIdentity(t *testing.T) {
	id := Identity{Workload: "reviews-v2", Namespace: "bookinfo", App: "reviews", Version: "v2", IP: "10.0.0.5",
		Cluster: "Kubernetes", MeshID: "cluster.local", Zone: "z1"}
	n := id.node()
	if n.GetId() != "sidecar~10.0.0.5~reviews-v2.bookinfo~bookinfo.svc.cluster.local" || n.GetCluster() != "reviews.bookinfo" {
		t.Fatalf("node %v", n)
	}
	rep := als.ReporterFromNode(n)
	if rep != (storage.Reporter{Service: "reviews", Namespace: "bookinfo", Version: "v2", Workload: "reviews-v2"}) {
		t.Fatalf("receiver reads the node as %+v", rep)
	}
	if n.GetLocality().GetZone() != "z1" || n.GetMetadata().GetFields()["MESH_ID"].GetStringValue() != "cluster.local" {
		t.Fatalf("node %v", n)
	}
}

func TestResponseFlagsProtoRoundTrip(t *testing.T) {
	// In Envoy's rendering order, so FlagsString gives the same string.
	all := "LH,UH,UT,LR,UR,UF,UC,UO,NR,DI,FI,RL,UAEX,RLSE,DC,URX,SI,IH,DPE,UMSDR,RFCF,NFCF,DT,UPE,NC,OM,DF,DR"
	for _, flags := range append(strings.Split(all, ","), all, "UF,URX", "") {
		if got := als.FlagsString(responseFlagsProto(flags)); got != flags {
			t.Errorf("%q round-trips to %q", flags, got)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Config)
	}{
		{"access_log.format", func(c *Config) { c.AccessLog.Format = "xml" }},
		{"access_log.output", func(c *Config) { c.AccessLog.Output = "/var/log/x" }},
		{"access_log.path", func(c *Config) { c.AccessLog.Output = OutputFile }},
		{"access_log.als_endpoint", func(c *Config) { c.AccessLog.Output = OutputALS }},
		{"access_log.flush_interval", func(c *Config) { c.AccessLog.FlushInterval = -time.Second }},
		{"access_log.buffer_bytes", func(c *Config) { c.AccessLog.BufferBytes = -1 }},
		{"access_log.buffer_entries", func(c *Config) { c.AccessLog.BufferEntries = -1 }},
		{"tracing.zipkin_endpoint", func(c *Config) { c.Tracing.ZipkinEndpoint = "127.0.0.1:9411" }},
		{"tracing.sampling_percent", func(c *Config) { c.Tracing.SamplingPercent = 101 }},
		{"tracing.sampling_percent", func(c *Config) { c.Tracing.SamplingPercent = -1 }},
		{"tracing.batch_size", func(c *Config) { c.Tracing.BatchSize = -1 }},
		{"tracing.batch_interval", func(c *Config) { c.Tracing.BatchInterval = -1 }},
		{"tracing.max_backlog", func(c *Config) { c.Tracing.MaxBacklog = -1 }},
		{"tracing.timeout", func(c *Config) { c.Tracing.Timeout = -1 }},
		{"identity.ip", func(c *Config) { c.Identity.IP = "pod-1" }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mod(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.field+":") {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tt.field)
			}
			if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("New() = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig invalid: %v", err)
	}
	cfg.AccessLog = AccessLogConfig{Output: OutputFile, Path: filepath.Join(t.TempDir(), "no", "such", "dir", "x.log")}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "access_log.path") {
		t.Fatalf("New with an unwritable path = %v", err)
	}
}

// TestFinishNeverBlocks: with the collectors unreachable and tiny
// buffers, Finish returns at once and counts what it drops.
func TestFinishNeverBlocks(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()
	cfg := DefaultConfig()
	cfg.AccessLog = AccessLogConfig{Output: OutputALS, ALSEndpoint: dead, BufferEntries: 4}
	cfg.Tracing.ZipkinEndpoint = "http://" + dead + "/api/v2/spans"
	cfg.Tracing.MaxBacklog = 4
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2000 {
			tel.Begin(Outbound, http.Header{"X-B3-Sampled": {"1"}}).Finish(&Record{Start: time.Now(), ResponseCode: 200, Protocol: "HTTP/1.1"})
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Finish blocked with the collectors down")
	}
	st := tel.Stats()
	if st.ALS.Dropped == 0 || st.Spans.Dropped == 0 {
		t.Fatalf("nothing dropped with buffers of 4: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tel.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
