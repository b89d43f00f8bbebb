package telemetry

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestConfigYAML: the YAML names are the documented ones, durations take
// Go's duration strings, and unset fields keep DefaultConfig's values.
func TestConfigYAML(t *testing.T) {
	const doc = `
identity:
  workload: reviews-v2
  namespace: bookinfo
  app: reviews
  version: v2
  cluster: Kubernetes
  mesh_id: cluster.local
access_log:
  format: json
  output: als
  als_endpoint: 127.0.0.1:9901
  flush_interval: 250ms
tracing:
  zipkin_endpoint: http://127.0.0.1:9411/api/v2/spans
  sampling_percent: 1
  batch_interval: 2s
metrics:
  enabled: false
`
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Identity.Workload != "reviews-v2" || cfg.Identity.MeshID != "cluster.local" ||
		cfg.AccessLog.Format != FormatJSON || cfg.AccessLog.Output != OutputALS || cfg.AccessLog.ALSEndpoint != "127.0.0.1:9901" ||
		cfg.AccessLog.FlushInterval != 250*time.Millisecond || cfg.Tracing.SamplingPercent != 1 ||
		cfg.Tracing.BatchInterval != 2*time.Second || cfg.Metrics.Enabled {
		t.Fatalf("decoded %+v", cfg)
	}
	if cfg.Tracing.BatchSize != 100 || cfg.Identity.IP != "127.0.0.1" {
		t.Fatalf("defaults lost: %+v", cfg)
	}
}
