package embedded

import (
	"errors"
	"fmt"
	"time"
)

// DefaultRetention is how long raw data is kept when Config.Retention is 0.
const DefaultRetention = 7 * 24 * time.Hour

// DefaultRetentionCheckInterval is how often expired access-log and span days and
// dead letters are dropped when Config.RetentionCheckInterval is 0.
const DefaultRetentionCheckInterval = time.Hour

// Config configures the embedded backend. It is plain data decoded from the
// collector config (`meshlens_storage: {embedded: {...}}`).
type Config struct {
	// Path is the data directory; samples live under <Path>/tsdb, access
	// logs, spans and dead letters in <Path>/meshlens.duckdb.
	Path string `mapstructure:"path"`
	// Retention is how long raw data is kept; 0 means DefaultRetention.
	// Access logs and spans are dropped by whole UTC days: a day goes once all of it
	// is older than Retention.
	Retention time.Duration `mapstructure:"retention"`
	// RetentionCheckInterval is how often the DuckDB retention pass runs;
	// 0 means DefaultRetentionCheckInterval. (The TSDB runs its own.)
	RetentionCheckInterval time.Duration `mapstructure:"retention_check_interval"`
	// OutOfOrderWindow accepts samples up to this much older than the
	// newest sample of their series, as Prometheus'
	// storage.tsdb.out_of_order_time_window. 0 (the default, as in
	// Prometheus) rejects out-of-order samples.
	OutOfOrderWindow time.Duration `mapstructure:"out_of_order_time_window"`
}

// Validate reports the first invalid field by its config name.
func (c *Config) Validate() error {
	if c.Path == "" {
		return errors.New("embedded.path: must not be empty")
	}
	if c.Retention < 0 {
		return fmt.Errorf("embedded.retention: %s is negative", c.Retention)
	}
	if c.Retention != 0 && c.Retention < time.Hour {
		return fmt.Errorf("embedded.retention: %s is shorter than the 1h minimum", c.Retention)
	}
	if c.RetentionCheckInterval < 0 {
		return fmt.Errorf("embedded.retention_check_interval: %s is negative", c.RetentionCheckInterval)
	}
	if c.OutOfOrderWindow < 0 {
		return fmt.Errorf("embedded.out_of_order_time_window: %s is negative", c.OutOfOrderWindow)
	}
	return nil
}

func (c *Config) retention() time.Duration {
	if c.Retention == 0 {
		return DefaultRetention
	}
	return c.Retention
}

func (c *Config) retentionCheckInterval() time.Duration {
	if c.RetentionCheckInterval == 0 {
		return DefaultRetentionCheckInterval
	}
	return c.RetentionCheckInterval
}
