package extension

import (
	"errors"
	"fmt"

	"github.com/meshlens/meshlens/storage/embedded"
)

// Config is the meshlens_storage extension's configuration. Exactly one
// backend must be set.
type Config struct {
	// Embedded is the default single-machine backend.
	Embedded *embedded.Config `mapstructure:"embedded"`
}

func createDefaultConfig() *Config {
	return &Config{Embedded: &embedded.Config{Path: "./data", Retention: embedded.DefaultRetention}}
}

// Validate checks that exactly one backend is configured and that it is
// valid; errors name the field.
func (c *Config) Validate() error {
	if c.Embedded == nil {
		return errors.New("exactly one backend must be set: add `embedded: {path: ...}`")
	}
	if err := c.Embedded.Validate(); err != nil {
		return fmt.Errorf("meshlens_storage: %w", err)
	}
	return nil
}
