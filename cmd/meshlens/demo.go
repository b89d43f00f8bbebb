package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/collector/otelcol"

	demorules "github.com/meshlens/meshlens/deploy/demo"
	"github.com/meshlens/meshlens/proxy/demo"
)

// demoOptions are `meshlens demo`'s flags.
type demoOptions struct {
	dataDir    string
	queryAddr  string
	zipkinAddr string
	alsAddr    string
	rps        float64
	duration   time.Duration // 0: until interrupted
}

// newDemoCommand is `meshlens demo`: meshlens serve plus a Bookinfo-like
// mesh of sidecars, with load and faults, in one process.
func newDemoCommand() *cobra.Command {
	o := demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run meshlens serve with a Bookinfo-like mesh of meshlens sidecars, load and faults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDemo(ctx, o, cmd.OutOrStdout(), nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data", "./data-demo", "directory for the demo's storage and generated mesh config")
	f.StringVar(&o.queryAddr, "query-addr", "127.0.0.1:9090", "query API and UI address")
	f.StringVar(&o.zipkinAddr, "zipkin-addr", "127.0.0.1:9411", "Zipkin span intake address")
	f.StringVar(&o.alsAddr, "als-addr", "127.0.0.1:9901", "Envoy gRPC access-log service address")
	f.Float64Var(&o.rps, "rps", 20, "load generator requests per second")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	return cmd
}

// demoServeConfig is the `meshlens serve` config of the demo: the built-in
// components with demo addresses, scraping every sidecar's admin port.
func demoServeConfig(o demoOptions, scrapeTargets []string) string {
	return fmt.Sprintf(`
extensions:
  meshlens_storage: {embedded: {path: %q, retention: 24h}}
  meshlens_query: {endpoint: %q}
receivers:
  prometheus_scrape:
    scrape_configs:
      - job_name: meshlens-demo-sidecars
        scrape_interval: 5s
        metrics_path: /stats/prometheus
        static_configs: [{targets: [%s]}]
  envoyaccesslog:
    grpc: {endpoint: %q}
    checkpoint_dir: %q
  zipkin:
    endpoint: %q
exporters:
  meshlens: {}
service:
  extensions: [meshlens_storage, meshlens_query]
  pipelines:
    metrics: {receivers: [prometheus_scrape], exporters: [meshlens]}
    logs: {receivers: [envoyaccesslog], exporters: [meshlens]}
    traces: {receivers: [zipkin], exporters: [meshlens]}
  telemetry: {metrics: {level: none}, logs: {level: warn}}
`, filepath.Join(o.dataDir, "storage"), o.queryAddr, `"`+strings.Join(scrapeTargets, `", "`)+`"`,
		o.alsAddr, filepath.Join(o.dataDir, "envoyaccesslog"), o.zipkinAddr)
}

// runDemo runs until ctx ends or o.duration passes. ready, when not nil,
// receives the mesh once everything is up (for tests).
func runDemo(ctx context.Context, o demoOptions, out io.Writer, ready func(*demo.Mesh)) error {
	dataDir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return err
	}
	o.dataDir = dataDir
	meshDir := filepath.Join(dataDir, "mesh")
	if err := os.MkdirAll(meshDir, 0o755); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The sidecars start first: their telemetry retries until the
	// receivers listen, and the scrape config needs their admin ports.
	mesh, err := demo.Start(demo.Options{Rules: demorules.Rules, WorkDir: meshDir, ALSEndpoint: o.alsAddr,
		ZipkinEndpoint: "http://" + o.zipkinAddr + "/api/v2/spans", RPS: o.rps, Logger: log})
	if err != nil {
		return err
	}
	// The mesh stops first, so its last telemetry reaches the collector.
	closeMesh := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		mesh.Close(sctx)
	}

	set := collectorSettings()
	set.ConfigProviderSettings.ResolverSettings.URIs = []string{"yaml:" + demoServeConfig(o, mesh.AdminAddrs())}
	set.DisableGracefulShutdown = true
	col, err := otelcol.NewCollector(set)
	if err != nil {
		closeMesh()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- col.Run(context.Background()) }()
	defer func() {
		closeMesh()
		col.Shutdown()
		<-done
	}()

	fmt.Fprintf(out, "meshlens demo: Bookinfo-like mesh of %d sidecars, %.0f requests/s, faults in ratings v2\n", len(mesh.Workloads), o.rps)
	for _, w := range mesh.Workloads {
		fmt.Fprintf(out, "  %-12s %-3s outbound %s inbound %-15s admin http://%s/stats/prometheus\n", w.Service, w.Version, w.Outbound, w.Inbound, w.Admin)
	}
	fmt.Fprintf(out, "Istio rules (edit live): %s\nUI: http://%s/\n", filepath.Join(meshDir, "istio"), o.queryAddr)
	if ready != nil {
		ready(mesh)
	}
	var timeout <-chan time.Time
	if o.duration > 0 {
		timeout = time.After(o.duration)
	}
	select {
	case <-ctx.Done():
	case <-timeout:
	case err := <-done:
		done <- err
		return fmt.Errorf("meshlens serve stopped: %w", err)
	}
	return nil
}
