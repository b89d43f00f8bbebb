package embedded

import (
	"errors"
	"fmt"
	"slices"
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
	// RollupRetention is how long per-minute rollups are kept; 0 means
	// DefaultRollupRetention. It may be longer than Retention.
	RollupRetention time.Duration `mapstructure:"rollup_retention"`
	// RetentionCheckInterval is how often the DuckDB retention pass runs;
	// 0 means DefaultRetentionCheckInterval. (The TSDB runs its own.)
	RetentionCheckInterval time.Duration `mapstructure:"retention_check_interval"`
	// OutOfOrderWindow accepts samples up to this much older than the
	// newest sample of their series, as Prometheus'
	// storage.tsdb.out_of_order_time_window. 0 (the default, as in
	// Prometheus) rejects out-of-order samples.
	OutOfOrderWindow time.Duration `mapstructure:"out_of_order_time_window"`
	// DependencyWait is how far apart in start time a call's client and
	// server spans may be and still pair into a dependency link: a link is
	// counted in the window its server span started in, and its client
	// span is looked for up to DependencyWait outside that window. 0 means
	// DefaultDependencyWait. (Links are computed when asked for, from the
	// stored spans, so the order and batches the spans arrived in do not
	// matter.)
	DependencyWait time.Duration `mapstructure:"dependency_wait"`
	// AutocompleteKeys are the span tag keys whose values the Zipkin
	// autocomplete API offers; nil means DefaultAutocompleteKeys.
	AutocompleteKeys []string `mapstructure:"autocomplete_keys"`
}

// DefaultDependencyWait is Config.DependencyWait's default.
const DefaultDependencyWait = 5 * time.Minute

// DefaultAutocompleteKeys are the Envoy and HTTP tags a mesh operator
// searches by.
var DefaultAutocompleteKeys = []string{"http.method", "http.status_code", "response_flags", "upstream_cluster"}

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
	if c.RollupRetention < 0 {
		return fmt.Errorf("embedded.rollup_retention: %s is negative", c.RollupRetention)
	}
	if c.RollupRetention != 0 && c.RollupRetention < time.Hour {
		return fmt.Errorf("embedded.rollup_retention: %s is shorter than the 1h minimum", c.RollupRetention)
	}
	if c.RetentionCheckInterval < 0 {
		return fmt.Errorf("embedded.retention_check_interval: %s is negative", c.RetentionCheckInterval)
	}
	if c.OutOfOrderWindow < 0 {
		return fmt.Errorf("embedded.out_of_order_time_window: %s is negative", c.OutOfOrderWindow)
	}
	if c.DependencyWait < 0 {
		return fmt.Errorf("embedded.dependency_wait: %s is negative", c.DependencyWait)
	}
	for i, k := range c.AutocompleteKeys {
		if k == "" {
			return fmt.Errorf("embedded.autocomplete_keys[%d]: must not be empty", i)
		}
	}
	return nil
}

func (c *Config) retention() time.Duration {
	if c.Retention == 0 {
		return DefaultRetention
	}
	return c.Retention
}

func (c *Config) dependencyWait() time.Duration {
	if c.DependencyWait == 0 {
		return DefaultDependencyWait
	}
	return c.DependencyWait
}

func (c *Config) autocompleteKeys() []string {
	if c.AutocompleteKeys == nil {
		return DefaultAutocompleteKeys
	}
	return slices.Sorted(slices.Values(c.AutocompleteKeys))
}

func (c *Config) retentionCheckInterval() time.Duration {
	if c.RetentionCheckInterval == 0 {
		return DefaultRetentionCheckInterval
	}
	return c.RetentionCheckInterval
}
