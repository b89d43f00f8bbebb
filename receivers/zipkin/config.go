package zipkin

import (
	"errors"

	"go.opentelemetry.io/collector/config/confighttp"
)

// DefaultEndpoint is DESIGN.md's Zipkin port on loopback.
const DefaultEndpoint = "127.0.0.1:9411"

// DefaultMaxBodyBytes bounds one request body, compressed and again
// decompressed: Envoy and the Zipkin reporters send batches far smaller.
const DefaultMaxBodyBytes = 5 << 20

// Config is the zipkin receiver's configuration: the collector's HTTP
// server settings (max_request_body_size, default DefaultMaxBodyBytes)
// and, as the contrib receiver, parse_string_tags.
type Config struct {
	confighttp.ServerConfig `mapstructure:",squash"`
	// ParseStringTags turns tag values that look like numbers or booleans
	// into typed attributes.
	ParseStringTags bool `mapstructure:"parse_string_tags"`
}

// Validate reports the first invalid field by its config name.
func (c *Config) Validate() error {
	if c.NetAddr.Endpoint == "" {
		return errors.New("endpoint: must not be empty")
	}
	if c.MaxRequestBodySize < 0 {
		return errors.New("max_request_body_size: must not be negative")
	}
	return nil
}
