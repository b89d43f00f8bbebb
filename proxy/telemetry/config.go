package telemetry

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"time"
)

// Access-log formats and outputs.
const (
	FormatText = "text" // Istio's ≥1.9 default text format
	FormatJSON = "json" // Istio's JSON encoding (typed values)

	OutputStdout = "stdout"
	OutputFile   = "file" // AccessLogConfig.Path
	OutputALS    = "als"  // Envoy gRPC ALS at AccessLogConfig.ALSEndpoint
	OutputOff    = "off"
)

// Config configures a Telemetry. It is plain data: start from
// DefaultConfig, overlay the user's settings, and New validates it.
// Zero tuning knobs (intervals, sizes) take their defaults.
type Config struct {
	Identity  Identity        `yaml:"identity" mapstructure:"identity"`
	AccessLog AccessLogConfig `yaml:"access_log" mapstructure:"access_log"`
	Tracing   TracingConfig   `yaml:"tracing" mapstructure:"tracing"`
	Metrics   MetricsConfig   `yaml:"metrics" mapstructure:"metrics"`
}

// Identity is this proxy's workload, as Istio's node metadata describes
// it. It fills the local side of every record the core leaves empty, the
// span service name (<app>.<namespace>) and the ALS node.
type Identity struct {
	Workload  string `yaml:"workload" mapstructure:"workload"`   // e.g. "reviews-v1"
	Namespace string `yaml:"namespace" mapstructure:"namespace"` // e.g. "default"
	App       string `yaml:"app" mapstructure:"app"`             // canonical service, e.g. "reviews"
	Version   string `yaml:"version" mapstructure:"version"`     // e.g. "v1"
	Service   string `yaml:"service" mapstructure:"service"`     // FQDN, e.g. "reviews.default.svc.cluster.local"
	Principal string `yaml:"principal" mapstructure:"principal"` // SPIFFE id, "" without mTLS
	// Pod is the pod (instance) name, Istio's NAME metadata (default: Workload).
	Pod string `yaml:"pod" mapstructure:"pod"`
	// IP is the instance's address, in the node id and span endpoints
	// (default 127.0.0.1).
	IP string `yaml:"ip" mapstructure:"ip"`
	// Cluster is the cluster id (Istio's CLUSTER_ID, e.g. "Kubernetes").
	Cluster string `yaml:"cluster" mapstructure:"cluster"`
	// MeshID is Istio's mesh id (e.g. "cluster.local"), a span tag.
	MeshID string `yaml:"mesh_id" mapstructure:"mesh_id"`
	// Zone is the locality zone, a span tag when set.
	Zone string `yaml:"zone" mapstructure:"zone"`
	// NodeID overrides the Envoy node id (default
	// sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local).
	NodeID string `yaml:"node_id" mapstructure:"node_id"`
}

// AccessLogConfig selects the access-log format and where it goes.
type AccessLogConfig struct {
	// Format is "text" (default) or "json".
	Format string `yaml:"format" mapstructure:"format"`
	// Output is "stdout" (default), "file", "als" or "off".
	Output string `yaml:"output" mapstructure:"output"`
	// Path is the file appended to when Output is "file".
	Path string `yaml:"path" mapstructure:"path"`
	// ALSEndpoint is the gRPC ALS collector (host:port) when Output is
	// "als", e.g. 127.0.0.1:9901.
	ALSEndpoint string `yaml:"als_endpoint" mapstructure:"als_endpoint"`
	// FlushInterval is how long lines or entries may wait (default 1s).
	FlushInterval time.Duration `yaml:"flush_interval" mapstructure:"flush_interval"`
	// BufferBytes bounds unwritten stdout/file lines (default 8 MiB).
	BufferBytes int `yaml:"buffer_bytes" mapstructure:"buffer_bytes"`
	// BufferEntries bounds unsent ALS entries (default 10000).
	BufferEntries int `yaml:"buffer_entries" mapstructure:"buffer_entries"`
}

// TracingConfig configures B3 propagation and Zipkin spans.
type TracingConfig struct {
	// ZipkinEndpoint is the Zipkin v2 span URL, e.g.
	// http://127.0.0.1:9411/api/v2/spans. Empty turns tracing off: no B3
	// handling and no spans (x-request-id is still generated).
	ZipkinEndpoint string `yaml:"zipkin_endpoint" mapstructure:"zipkin_endpoint"`
	// SamplingPercent is the share of new traces sampled, 0 to 100, when
	// the caller sent no decision (Istio's default is 1; DefaultConfig
	// has 100 for the demo).
	SamplingPercent float64 `yaml:"sampling_percent" mapstructure:"sampling_percent"`
	// TraceID128Bit makes new traces use 128-bit ids (Envoy's
	// trace_id_128bit; default false, 64-bit).
	TraceID128Bit bool `yaml:"trace_id_128bit" mapstructure:"trace_id_128bit"`
	// BatchSize is the most spans per POST (default 100).
	BatchSize int `yaml:"batch_size" mapstructure:"batch_size"`
	// BatchInterval is the longest a span waits (default 1s).
	BatchInterval time.Duration `yaml:"batch_interval" mapstructure:"batch_interval"`
	// MaxBacklog bounds unsent spans (default 10000); more are dropped.
	MaxBacklog int `yaml:"max_backlog" mapstructure:"max_backlog"`
	// Timeout bounds one POST (default 5s).
	Timeout time.Duration `yaml:"timeout" mapstructure:"timeout"`
}

// MetricsConfig turns the istio_* metrics on or off.
type MetricsConfig struct {
	Enabled bool `yaml:"enabled" mapstructure:"enabled"`
}

// DefaultConfig is the demo's configuration: text access log to stdout,
// metrics on, tracing off until a Zipkin endpoint is set, and 100%
// sampling once it is.
func DefaultConfig() Config {
	return Config{
		Identity:  Identity{Namespace: "default", Cluster: "Kubernetes", MeshID: "cluster.local", IP: "127.0.0.1"},
		AccessLog: AccessLogConfig{Format: FormatText, Output: OutputStdout, FlushInterval: time.Second},
		Tracing:   TracingConfig{SamplingPercent: 100, BatchSize: 100, BatchInterval: time.Second, MaxBacklog: 10000, Timeout: 5 * time.Second},
		Metrics:   MetricsConfig{Enabled: true},
	}
}

// Validate reports the first invalid setting, naming its field.
func (c *Config) Validate() error {
	if c.Identity.IP != "" {
		if _, err := netip.ParseAddr(c.Identity.IP); err != nil {
			return fmt.Errorf("identity.ip: %q is not an IP address", c.Identity.IP)
		}
	}
	a := &c.AccessLog
	switch a.Format {
	case "", FormatText, FormatJSON:
	default:
		return fmt.Errorf("access_log.format: %q: want %q or %q", a.Format, FormatText, FormatJSON)
	}
	switch a.Output {
	case "", OutputStdout, OutputOff:
	case OutputFile:
		if a.Path == "" {
			return errors.New("access_log.path: required when access_log.output is \"file\"")
		}
	case OutputALS:
		if a.ALSEndpoint == "" {
			return errors.New("access_log.als_endpoint: required when access_log.output is \"als\"")
		}
	default:
		return fmt.Errorf("access_log.output: %q: want stdout, file, als or off", a.Output)
	}
	if a.FlushInterval < 0 {
		return fmt.Errorf("access_log.flush_interval: %v is negative", a.FlushInterval)
	}
	if a.BufferBytes < 0 {
		return fmt.Errorf("access_log.buffer_bytes: %d is negative", a.BufferBytes)
	}
	if a.BufferEntries < 0 {
		return fmt.Errorf("access_log.buffer_entries: %d is negative", a.BufferEntries)
	}
	tr := &c.Tracing
	if tr.ZipkinEndpoint != "" {
		u, err := url.Parse(tr.ZipkinEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("tracing.zipkin_endpoint: %q: want an http(s) URL such as http://127.0.0.1:9411/api/v2/spans", tr.ZipkinEndpoint)
		}
	}
	if !(tr.SamplingPercent >= 0 && tr.SamplingPercent <= 100) { // also rejects NaN
		return fmt.Errorf("tracing.sampling_percent: %v: want 0 to 100", tr.SamplingPercent)
	}
	if tr.BatchSize < 0 {
		return fmt.Errorf("tracing.batch_size: %d is negative", tr.BatchSize)
	}
	if tr.BatchInterval < 0 {
		return fmt.Errorf("tracing.batch_interval: %v is negative", tr.BatchInterval)
	}
	if tr.MaxBacklog < 0 {
		return fmt.Errorf("tracing.max_backlog: %d is negative", tr.MaxBacklog)
	}
	if tr.Timeout < 0 {
		return fmt.Errorf("tracing.timeout: %v is negative", tr.Timeout)
	}
	return nil
}

// Peer is the identity as a metric peer.
func (id *Identity) Peer() Peer {
	return Peer{Workload: id.Workload, Namespace: id.Namespace, App: id.App, Version: id.Version,
		Service: id.Service, Principal: id.Principal, Cluster: id.Cluster}
}

// nodeID is the Envoy node id Istio gives a sidecar.
func (id *Identity) nodeID() string {
	if id.NodeID != "" {
		return id.NodeID
	}
	ns := id.Namespace
	return "sidecar~" + id.ip() + "~" + id.pod() + "." + ns + "~" + ns + ".svc.cluster.local"
}

func (id *Identity) pod() string {
	if id.Pod != "" {
		return id.Pod
	}
	return id.Workload
}

func (id *Identity) ip() string {
	if id.IP != "" {
		return id.IP
	}
	return "127.0.0.1"
}

// serviceCluster is Istio's --service-cluster, the Zipkin service name:
// <app>.<namespace>.
func (id *Identity) serviceCluster() string {
	app := id.App
	if app == "" {
		app = id.Workload
	}
	if id.Namespace == "" {
		return app
	}
	return app + "." + id.Namespace
}
