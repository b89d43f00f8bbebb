package extension

import (
	"go.opentelemetry.io/collector/confmap"

	"errors"
	"fmt"

	"github.com/meshlens/meshlens/storage/clickhouse"
	"github.com/meshlens/meshlens/storage/embedded"
)

// Config is the meshlens_storage extension's configuration. Exactly one
// backend must be set.
type Config struct {
	// Embedded is the default single-machine backend.
	Embedded *embedded.Config `mapstructure:"embedded"`
	// ClickHouse stores everything in a ClickHouse server or cluster.
	ClickHouse *clickhouse.Config `mapstructure:"clickhouse"`
}

func createDefaultConfig() *Config {
	return &Config{Embedded: &embedded.Config{Path: "./data", Retention: embedded.DefaultRetention}}
}

// Validate checks that exactly one backend is configured and that it is
// valid; errors name the field.
func (c *Config) Validate() error {
	switch {
	case c.Embedded != nil && c.ClickHouse != nil:
		return errors.New("meshlens_storage: both `embedded` and `clickhouse` are set; exactly one backend may be set")
	case c.Embedded == nil && c.ClickHouse == nil:
		return errors.New("meshlens_storage: no backend is set; set exactly one of `embedded: {path: ...}` and `clickhouse: {endpoint: ..., database: ...}`")
	case c.ClickHouse != nil:
		if err := c.ClickHouse.Validate(); err != nil {
			return fmt.Errorf("meshlens_storage: %w", err)
		}
	default:
		if err := c.Embedded.Validate(); err != nil {
			return fmt.Errorf("meshlens_storage: %w", err)
		}
	}
	return nil
}

// Unmarshal decodes the user's config over the defaults. The default
// backend is embedded; a config that names only `clickhouse` replaces it
// rather than adding a second backend.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if conf.IsSet("clickhouse") && !conf.IsSet("embedded") {
		c.Embedded = nil
	}
	return conf.Unmarshal(c)
}
