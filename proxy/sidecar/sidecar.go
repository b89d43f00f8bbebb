// Package sidecar assembles one complete `meshlens proxy`: it reads the
// proxy's YAML config file, starts the telemetry (access log, spans,
// istio_* metrics) and the proxy listeners, and stops them in order.
// `meshlens proxy` runs one; `meshlens demo` runs several in one process.
package sidecar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/meshlens/meshlens/proxy"
	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
)

// File is the proxy's config file (proxy.yaml). Relative paths are
// relative to the file's directory.
type File struct {
	Listeners Listeners `yaml:"listeners"`
	App       App       `yaml:"app"`
	// Registry is the service registry file (required).
	Registry string `yaml:"registry"`
	// IstioConfig is a directory of VirtualService/DestinationRule YAML.
	IstioConfig string   `yaml:"istio_config"`
	Identity    Identity `yaml:"identity"`
	// Telemetry is passed to telemetry.New; identity fields left empty are
	// filled from Identity.
	Telemetry telemetry.Config `yaml:"telemetry"`
	// RetryBufferBytes is the largest request body buffered for retries
	// (default 65536).
	RetryBufferBytes int `yaml:"retry_buffer_bytes"`
	// ConfigPoll is the fallback period for checking config files
	// (default 2s; changes are normally seen at once through inotify).
	ConfigPoll time.Duration `yaml:"config_poll"`
}

// Listeners are the proxy's listen addresses.
type Listeners struct {
	Outbound string `yaml:"outbound"` // default 127.0.0.1:15001
	Inbound  string `yaml:"inbound"`  // default 127.0.0.1:15006; "off" for a client-only workload
	Admin    string `yaml:"admin"`    // default 127.0.0.1:15090
}

// App is the local application behind the inbound listener.
type App struct {
	Address  string `yaml:"address"`  // host:port
	Protocol string `yaml:"protocol"` // HTTP (default) or HTTP2 (h2c)
	Port     uint32 `yaml:"port"`     // service port it serves; default: from the registry
}

// Identity is the workload the proxy sits in front of.
type Identity struct {
	Service   string            `yaml:"service"`
	Namespace string            `yaml:"namespace"`
	Version   string            `yaml:"version"`
	Workload  string            `yaml:"workload"`
	Labels    map[string]string `yaml:"labels"`
}

// Default returns a File with every default filled in.
func Default() File {
	return File{
		Listeners: Listeners{Outbound: "127.0.0.1:15001", Inbound: "127.0.0.1:15006", Admin: "127.0.0.1:15090"},
		Identity:  Identity{Namespace: "default"},
		Telemetry: telemetry.DefaultConfig(),
	}
}

// Load reads a config file over the defaults, rejecting unknown fields,
// and validates it. Errors name the file and the field.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse decodes a config file's bytes; baseDir resolves relative paths.
func Parse(b []byte, baseDir string) (*File, error) {
	f := Default()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(baseDir, p)
	}
	f.Registry, f.IstioConfig = rel(f.Registry), rel(f.IstioConfig)
	if f.Telemetry.AccessLog.Path != "" {
		f.Telemetry.AccessLog.Path = rel(f.Telemetry.AccessLog.Path)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// Validate checks the file, naming the first bad field.
func (f *File) Validate() error {
	if f.Registry == "" {
		return errors.New("registry: required")
	}
	if f.Identity.Service == "" {
		return errors.New("identity.service: required")
	}
	for name, a := range map[string]string{"listeners.outbound": f.Listeners.Outbound, "listeners.admin": f.Listeners.Admin} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%s: %q: %w", name, a, err)
		}
	}
	if f.Listeners.Inbound != "off" {
		if _, _, err := net.SplitHostPort(f.Listeners.Inbound); err != nil {
			return fmt.Errorf("listeners.inbound: %q: %w", f.Listeners.Inbound, err)
		}
		if f.App.Address == "" {
			return errors.New("app.address: required unless listeners.inbound is \"off\"")
		}
		if _, _, err := net.SplitHostPort(f.App.Address); err != nil {
			return fmt.Errorf("app.address: %q: %w", f.App.Address, err)
		}
	}
	switch strings.ToUpper(f.App.Protocol) {
	case "", "HTTP", "HTTP2", "GRPC":
	default:
		return fmt.Errorf("app.protocol: %q: want HTTP or HTTP2", f.App.Protocol)
	}
	if f.RetryBufferBytes < 0 {
		return fmt.Errorf("retry_buffer_bytes: %d is negative", f.RetryBufferBytes)
	}
	if err := f.Telemetry.Validate(); err != nil {
		return fmt.Errorf("telemetry.%w", err)
	}
	return nil
}

// Sidecar is a running proxy with its telemetry.
type Sidecar struct {
	Proxy     *proxy.Proxy
	Telemetry *telemetry.Telemetry
}

// Start starts the telemetry and the proxy. A bad registry or Istio file
// fails here, naming the file and field.
func (f *File) Start(log *slog.Logger) (*Sidecar, error) {
	id := f.Identity
	if id.Namespace == "" {
		id.Namespace = "default"
	}
	if id.Workload == "" {
		id.Workload = id.Service
		if id.Version != "" {
			id.Workload += "-" + id.Version
		}
	}
	tc := f.Telemetry
	ti := &tc.Identity
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&ti.Workload, id.Workload)
	fill(&ti.App, id.Service)
	fill(&ti.Version, id.Version)
	fill(&ti.Service, id.Service+"."+id.Namespace+"."+config.ClusterDomain)
	if ti.Namespace == "" || ti.Namespace == "default" {
		ti.Namespace = id.Namespace
	}
	tel, err := telemetry.New(tc)
	if err != nil {
		return nil, err
	}
	cfg := proxy.Config{
		OutboundAddr: f.Listeners.Outbound, InboundAddr: f.Listeners.Inbound, AdminAddr: f.Listeners.Admin,
		NoInbound: f.Listeners.Inbound == "off", AppAddr: f.App.Address, InboundPort: f.App.Port,
		AppHTTP2: strings.EqualFold(f.App.Protocol, "HTTP2") || strings.EqualFold(f.App.Protocol, "GRPC"),
		Identity: route.Identity{Service: id.Service, Namespace: id.Namespace, Version: id.Version, Workload: id.Workload, Labels: id.Labels},
		Source:   config.Source{RegistryFile: f.Registry, IstioDir: f.IstioConfig},
		Observer: tel, Metrics: tel.Handler(), Logger: log,
		RetryBufferLimit: f.RetryBufferBytes, ConfigPoll: f.ConfigPoll,
	}
	if cfg.NoInbound {
		cfg.InboundAddr = ""
	}
	p, err := proxy.New(cfg)
	if err != nil {
		tel.Close(context.Background())
		return nil, err
	}
	if err := p.Start(); err != nil {
		tel.Close(context.Background())
		return nil, err
	}
	return &Sidecar{Proxy: p, Telemetry: tel}, nil
}

// Close stops the listeners (letting requests in flight finish until ctx
// ends), then flushes and stops the telemetry.
func (s *Sidecar) Close(ctx context.Context) error {
	return errors.Join(s.Proxy.Close(ctx), s.Telemetry.Close(ctx))
}
