// Package demo runs a Bookinfo-like mesh in one process for `meshlens
// demo`: productpage → details, productpage → reviews v1/v2/v3, reviews
// v2/v3 → ratings, each app instance behind its own meshlens sidecar on
// loopback ports, plus a load generator behind a client-only sidecar.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshlens/meshlens/internal/freeport"
	"github.com/meshlens/meshlens/proxy/sidecar"
	"github.com/meshlens/meshlens/proxy/telemetry"
)

// Options configures the demo mesh.
type Options struct {
	// Rules is the directory of seed Istio YAML (deploy/demo).
	Rules fs.FS
	// WorkDir receives the registry and rules the sidecars watch; edit the
	// rules there while the demo runs.
	WorkDir string
	// ALSEndpoint receives access logs over Envoy's gRPC ALS
	// (e.g. 127.0.0.1:9901); "" writes them to WorkDir/access.log.
	ALSEndpoint string
	// ZipkinEndpoint receives spans (e.g. http://127.0.0.1:9411/api/v2/spans); "" turns tracing off.
	ZipkinEndpoint string
	// RPS is the load generator's request rate (default 20).
	RPS float64
	// BetaShare is the share of requests sent with x-user-type: beta (default 0.1).
	BetaShare float64
	Logger    *slog.Logger
}

// Workload is one running app instance with its sidecar.
type Workload struct {
	Service, Version string
	AppAddr          string // the app itself
	Inbound          string // its sidecar's inbound listener ("" for the load generator)
	Outbound         string
	Admin            string // /stats/prometheus, /ready, /config_dump
	sidecar          *sidecar.Sidecar
	server           *http.Server
}

// Mesh is the running demo.
type Mesh struct {
	Workloads []*Workload
	opts      Options
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	sent, ok  atomic.Int64
	lastID    atomic.Pointer[string]
}

type instance struct {
	service, version string
	fault            func(http.ResponseWriter, *http.Request) bool
}

var topology = []instance{
	{service: "productpage", version: "v1"},
	{service: "details", version: "v1"},
	{service: "reviews", version: "v1"},
	{service: "reviews", version: "v2"},
	{service: "reviews", version: "v3"},
	{service: "ratings", version: "v1"},
	{service: "ratings", version: "v2", fault: flaky(0.2, 0.1)},
}

// Start brings up every app, sidecar and the load generator.
func Start(opts Options) (m *Mesh, err error) {
	if opts.RPS <= 0 {
		opts.RPS = 20
	}
	if opts.BetaShare <= 0 {
		opts.BetaShare = 0.1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.WorkDir == "" {
		return nil, errors.New("demo: WorkDir required")
	}
	mesh := &Mesh{opts: opts}
	m = mesh
	defer func() {
		if err != nil { // m is nil by then: close what was started
			mesh.Close(context.Background())
		}
	}()
	istioDir := filepath.Join(opts.WorkDir, "istio")
	if err := os.MkdirAll(istioDir, 0o755); err != nil {
		return nil, err
	}
	if opts.Rules != nil {
		if err := copyRules(opts.Rules, istioDir); err != nil {
			return nil, err
		}
	}
	// Reserve every address first: the registry names the inbound ones.
	for _, in := range append(topology, instance{service: "loadgen", version: "v1"}) {
		w := &Workload{Service: in.service, Version: in.version}
		for _, p := range []*string{&w.AppAddr, &w.Inbound, &w.Outbound, &w.Admin} {
			if *p, err = freeport.Addr(); err != nil {
				return nil, err
			}
		}
		if in.service == "loadgen" {
			w.AppAddr, w.Inbound = "", ""
		}
		m.Workloads = append(m.Workloads, w)
	}
	regPath := filepath.Join(opts.WorkDir, "registry.yaml")
	if err := os.WriteFile(regPath, []byte(m.registry()), 0o644); err != nil {
		return nil, err
	}
	for i, w := range m.Workloads {
		var a *app
		if w.Service != "loadgen" {
			a = &app{name: w.Service, version: w.Version, outbound: w.Outbound, fault: topology[i].fault,
				client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
			ln, err := net.Listen("tcp", w.AppAddr)
			if err != nil {
				return nil, fmt.Errorf("demo: %s-%s app: %w", w.Service, w.Version, err)
			}
			w.server = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
			go w.server.Serve(ln)
		}
		f := sidecar.Default()
		f.Listeners = sidecar.Listeners{Outbound: w.Outbound, Inbound: w.Inbound, Admin: w.Admin}
		if w.Inbound == "" {
			f.Listeners.Inbound = "off"
		}
		f.App = sidecar.App{Address: w.AppAddr, Port: 9080}
		f.Registry, f.IstioConfig = regPath, istioDir
		f.Identity = sidecar.Identity{Service: w.Service, Namespace: "default", Version: w.Version}
		f.ConfigPoll = time.Second
		if opts.ALSEndpoint != "" {
			f.Telemetry.AccessLog.Output, f.Telemetry.AccessLog.ALSEndpoint = telemetry.OutputALS, opts.ALSEndpoint
		} else {
			f.Telemetry.AccessLog.Output, f.Telemetry.AccessLog.Path = telemetry.OutputFile, filepath.Join(opts.WorkDir, "access.log")
		}
		f.Telemetry.Tracing.ZipkinEndpoint = opts.ZipkinEndpoint
		if err := f.Validate(); err != nil {
			return nil, fmt.Errorf("demo: %s-%s sidecar: %w", w.Service, w.Version, err)
		}
		w.sidecar, err = f.Start(opts.Logger.With("workload", w.Service+"-"+w.Version))
		if err != nil {
			return nil, fmt.Errorf("demo: %s-%s sidecar: %w", w.Service, w.Version, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.loadgen(ctx)
	}()
	return m, nil
}

// registry renders the service registry: each endpoint is a sidecar's
// inbound listener, as a pod IP is in Kubernetes.
func (m *Mesh) registry() string {
	var b strings.Builder
	b.WriteString("# Generated by meshlens demo: endpoints are the sidecars' inbound listeners.\nservices:\n")
	done := map[string]bool{}
	for _, w := range m.Workloads {
		if w.Service == "loadgen" || done[w.Service] {
			continue
		}
		done[w.Service] = true
		fmt.Fprintf(&b, "- name: %s\n  namespace: default\n  ports: [{name: http, port: 9080, protocol: HTTP}]\n  endpoints:\n", w.Service)
		for _, e := range m.Workloads {
			if e.Service != w.Service {
				continue
			}
			host, port, _ := net.SplitHostPort(e.Inbound)
			fmt.Fprintf(&b, "  - {address: %s, ports: {http: %s}, labels: {app: %s, version: %s}, workload: %s-%s}\n",
				host, port, e.Service, e.Version, e.Service, e.Version)
		}
	}
	return b.String()
}

func copyRules(src fs.FS, dir string) error {
	return fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o644)
	})
}

// loadgen calls productpage at the configured rate through its own
// sidecar, as users behind an ingress would.
func (m *Mesh) loadgen(ctx context.Context) {
	var lg *Workload
	for _, w := range m.Workloads {
		if w.Service == "loadgen" {
			lg = w
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	tick := time.NewTicker(time.Duration(float64(time.Second) / m.opts.RPS))
	defer tick.Stop()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+lg.Outbound+"/productpage", nil)
			req.Host = "productpage:9080"
			req.Header.Set("User-Agent", "meshlens-demo-loadgen")
			if rand.Float64() < m.opts.BetaShare {
				req.Header.Set("X-User-Type", "beta")
			}
			n := m.sent.Add(1)
			id := fmt.Sprintf("meshlens-demo-%d-%d", time.Now().UnixNano(), n)
			req.Header.Set("X-Request-Id", id)
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				m.ok.Add(1)
				m.lastID.Store(&id)
			}
		}()
	}
}

// Sent and OK count the load generator's requests and its 200 answers.
func (m *Mesh) Sent() int64 { return m.sent.Load() }

// OK counts the load generator's 200 answers.
func (m *Mesh) OK() int64 { return m.ok.Load() }

// LastRequestID is the x-request-id of the latest request answered 200
// ("" before any), for looking it up in meshlens.
func (m *Mesh) LastRequestID() string {
	if p := m.lastID.Load(); p != nil {
		return *p
	}
	return ""
}

// AdminAddrs lists every sidecar's admin listener, for a Prometheus
// scrape config.
func (m *Mesh) AdminAddrs() []string {
	var out []string
	for _, w := range m.Workloads {
		out = append(out, w.Admin)
	}
	return out
}

// Close stops the load generator, the sidecars (flushing telemetry) and
// the apps.
func (m *Mesh) Close(ctx context.Context) error {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	var errs []error
	for _, w := range m.Workloads {
		if w.sidecar != nil {
			errs = append(errs, w.sidecar.Close(ctx))
		}
		if w.server != nil {
			errs = append(errs, w.server.Close())
		}
	}
	return errors.Join(errs...)
}
