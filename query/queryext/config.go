package queryext

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/meshlens/meshlens/query/graph"
)

// DefaultEndpoint is where Grafana's and Kiali's "Prometheus at :9090"
// defaults find meshlens.
const DefaultEndpoint = "127.0.0.1:9090"

// Config is the meshlens_query extension's configuration.
type Config struct {
	confighttp.ServerConfig `mapstructure:",squash"`

	// Storage names the meshlens_storage extension to read; empty means
	// `meshlens_storage`.
	Storage component.ID `mapstructure:"storage"`

	// QueryTimeout bounds one PromQL evaluation (Prometheus'
	// --query.timeout); the `timeout` request parameter may only lower it.
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// MaxSamples bounds the samples one query may load into memory
	// (Prometheus' --query.max-samples).
	MaxSamples int `mapstructure:"max_samples"`
	// LookbackDelta is how far back an instant selector looks for a sample
	// (Prometheus' --query.lookback-delta).
	LookbackDelta time.Duration `mapstructure:"lookback_delta"`
	// Health holds the graph's and services' health thresholds, in percent
	// of requests (Kiali's defaults; see graph.HealthConfig).
	Health graph.HealthConfig `mapstructure:"health"`
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = DefaultEndpoint
	return &Config{
		ServerConfig:  srv,
		QueryTimeout:  2 * time.Minute,
		MaxSamples:    50_000_000,
		LookbackDelta: 5 * time.Minute,
		Health:        graph.DefaultHealth(),
	}
}

// Validate reports the first invalid field by its config name.
func (c *Config) Validate() error {
	if c.NetAddr.Endpoint == "" {
		return errors.New("endpoint: must not be empty")
	}
	if c.QueryTimeout <= 0 {
		return fmt.Errorf("query_timeout: %s must be positive", c.QueryTimeout)
	}
	if c.MaxSamples <= 0 {
		return fmt.Errorf("max_samples: %d must be positive", c.MaxSamples)
	}
	if c.LookbackDelta <= 0 {
		return fmt.Errorf("lookback_delta: %s must be positive", c.LookbackDelta)
	}
	if err := c.Health.Validate("health"); err != nil {
		return err
	}
	return nil
}
