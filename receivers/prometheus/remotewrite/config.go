package remotewrite

import (
	"errors"
	"fmt"

	"github.com/golang/snappy"
)

// DefaultMaxBodyBytes is the default limit on a request's decoded size, the
// same 32 MiB Prometheus' own remote-write receiver enforces.
const DefaultMaxBodyBytes = 32 << 20

// Config is the remote-write intake's configuration: plain data, checked by
// Validate.
type Config struct {
	// MaxBodyBytes limits the decoded (uncompressed) size of a request body.
	// The limit is checked against the length the snappy header declares,
	// before anything is allocated for it, and the compressed body may be at
	// most snappy's worst-case encoding of that many bytes. Larger requests
	// are answered 413. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64 `mapstructure:"max_body_bytes"`
}

// DefaultConfig returns the configuration used when none is given.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: DefaultMaxBodyBytes}
}

// Validate reports the first invalid field, by its configuration key.
func (c Config) Validate() error {
	switch {
	case c.MaxBodyBytes < 0:
		return errors.New("max_body_bytes: must not be negative")
	case c.MaxBodyBytes > 1<<32 || snappy.MaxEncodedLen(int(c.MaxBodyBytes)) < 0:
		return fmt.Errorf("max_body_bytes: %d is more than a snappy block can hold", c.MaxBodyBytes)
	}
	return nil
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return c
}
