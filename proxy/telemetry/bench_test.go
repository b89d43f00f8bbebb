package telemetry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/grpc"

	"github.com/meshlens/meshlens/internal/testutil"
)

// nullALS is an ALS server that reads and discards.
type nullALS struct {
	accesslogv3.UnimplementedAccessLogServiceServer
}

func (nullALS) StreamAccessLogs(s grpc.ClientStreamingServer[accesslogv3.StreamAccessLogsMessage, accesslogv3.StreamAccessLogsResponse]) error {
	for {
		if _, err := s.Recv(); err != nil {
			return nil
		}
	}
}

// benchTelemetry has all three outputs on: metrics, an access log (to
// /dev/null, or to a discarding ALS server), and spans at 100% sampling
// to a discarding Zipkin server.
func benchTelemetry(b *testing.B, output, format string) *Telemetry {
	b.Helper()
	zipkin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	b.Cleanup(zipkin.Close)
	cfg := DefaultConfig()
	cfg.Identity = Identity{Workload: "productpage-v1", Namespace: "default", App: "productpage", Version: "v1",
		Service: "productpage.default.svc.cluster.local", Cluster: "Kubernetes"}
	cfg.Tracing.ZipkinEndpoint = zipkin.URL + "/api/v2/spans"
	cfg.Tracing.MaxBacklog = 1 << 20
	cfg.AccessLog = AccessLogConfig{Format: format, Output: output, Path: os.DevNull, BufferEntries: 1 << 20, BufferBytes: 64 << 20}
	if output == OutputALS {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		g := grpc.NewServer()
		accesslogv3.RegisterAccessLogServiceServer(g, nullALS{})
		go g.Serve(lis)
		b.Cleanup(g.Stop)
		cfg.AccessLog.ALSEndpoint = lis.Addr().String()
	}
	tel, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tel.Close(ctx)
	})
	return tel
}

// BenchmarkBegin: request id generation, B3 extraction, a child span
// context and header injection, for an outbound call.
func BenchmarkBegin(b *testing.B) {
	tel := benchTelemetry(b, OutputOff, FormatText)
	in := http.Header{
		"X-B3-Traceid": {"463ac35c9f6413ad48485a3953bb6124"}, "X-B3-Spanid": {"a2fb4a1d1a96d312"},
		"X-B3-Sampled": {"1"}, "User-Agent": {"python-requests/2.31.0"},
	}
	h := http.Header{}
	cpu0 := testutil.ProcessCPU()
	b.ReportAllocs()
	for b.Loop() {
		clear(h)
		for k, v := range in {
			h[k] = v
		}
		tel.Begin(Outbound, h)
	}
	b.ReportMetric(float64(testutil.ProcessCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkFinish: the per-request cost with all telemetry on (metrics,
// access log, a sampled span). ns/op is the request path's wall time;
// cpu-ns/op is the whole process's CPU per request, including the
// background goroutines that encode spans and ALS entries and write
// logs, flushed before it is read; the drops show whether they kept up.
func BenchmarkFinish(b *testing.B) {
	for _, bc := range []struct{ name, output, format string }{
		{"text", OutputFile, FormatText},
		{"json", OutputFile, FormatJSON},
		{"als", OutputALS, FormatText},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tel := benchTelemetry(b, bc.output, bc.format)
			r := sampleRecords()[0]
			r.Source = Peer{}
			h := http.Header{"X-B3-Sampled": {"1"}}
			obs := tel.Begin(Outbound, h)
			cpu0 := testutil.ProcessCPU()
			b.ReportAllocs()
			for b.Loop() {
				obs.Finish(&r)
			}
			if err := tel.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(testutil.ProcessCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			st := tel.Stats()
			b.ReportMetric(float64(st.AccessLog.Dropped+st.ALS.Dropped), "log-drops")
			b.ReportMetric(float64(st.Spans.Dropped), "span-drops")
		})
	}
}

// BenchmarkFormat: the access-log formatters alone.
func BenchmarkFormat(b *testing.B) {
	r := sampleRecords()[1]
	buf := make([]byte, 0, 1024)
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = appendText(buf[:0], &r)
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = appendJSON(buf[:0], &r)
		}
	})
}

// BenchmarkNew: what one Telemetry with every output on costs to create;
// B/op is its memory at rest (the RSS budget of a sidecar is 25 MB).
func BenchmarkNew(b *testing.B) {
	cfg := DefaultConfig()
	cfg.AccessLog = AccessLogConfig{Output: OutputALS, ALSEndpoint: "127.0.0.1:1"}
	cfg.Tracing.ZipkinEndpoint = "http://127.0.0.1:1/api/v2/spans"
	b.ReportAllocs()
	for b.Loop() {
		tel, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		tel.Close(context.Background())
	}
}
