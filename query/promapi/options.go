package promapi

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied by New to zero-valued Options fields. They are
// Prometheus' own flag defaults, so that dashboards written against
// Prometheus behave the same.
const (
	DefaultTimeout            = 2 * time.Minute
	DefaultMaxSamples         = 50_000_000
	DefaultLookbackDelta      = 5 * time.Minute
	DefaultMaxConcurrency     = 20
	DefaultEvaluationInterval = time.Minute
	DefaultScrapeInterval     = 15 * time.Second
)

// Options configures the API and the PromQL engine under it. It is plain
// data: a zero field takes the default named on it, and Validate rejects
// values that cannot be meant.
type Options struct {
	// Timeout bounds the evaluation of one query, waiting for a slot
	// included (Prometheus' --query.timeout). A request's `timeout`
	// parameter can only shorten it. Default 2m.
	Timeout time.Duration

	// MaxSamples bounds how many samples one query may hold in memory at
	// once (--query.max-samples); a query over it fails with an
	// execution error. Default 50,000,000.
	MaxSamples int

	// LookbackDelta is how far back an instant selector looks for a
	// sample (--query.lookback-delta). A request's `lookback_delta`
	// parameter overrides it per query. Default 5m.
	LookbackDelta time.Duration

	// MaxConcurrency bounds how many queries are evaluated at once
	// (--query.max-concurrency); further queries wait for a slot until
	// their deadline. Default 20.
	MaxConcurrency int

	// ActiveQueryLogDir, when not empty, is a directory where Prometheus'
	// memory-mapped active query log (queries.active) is kept, so that
	// queries running when the process died are logged at the next start.
	// When empty, concurrency is limited in memory only. Close releases
	// the file.
	ActiveQueryLogDir string

	// EvaluationInterval is the step of subqueries written without one
	// (`x[30m:]`), as Prometheus' global evaluation_interval, and is
	// reported in /status/config. Default 1m.
	EvaluationInterval time.Duration

	// ScrapeInterval is reported as global.scrape_interval in
	// /status/config, where Kiali reads it to pick rate windows. It does
	// not affect evaluation. Default 15s.
	ScrapeInterval time.Duration

	// Retention is the storage retention reported by /status/flags
	// (storage.tsdb.retention.time) and /status/runtimeinfo, which Kiali
	// reads. It is informational; zero means unknown and is not reported.
	Retention time.Duration

	// Registerer, when not nil, receives the engine's metrics
	// (prometheus_engine_*). The engine never unregisters them, so a
	// second API on the same registry (after a restart of the component,
	// say) fails New: give each API its own registry or a wrapped one.
	Registerer prometheus.Registerer
}

// Validate reports every field whose value cannot be meant, by name.
// Zero values are valid: New replaces them with the defaults.
func (o Options) Validate() error {
	var errs []error
	nonNegative := func(name string, v time.Duration) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", name, v))
		}
	}
	nonNegative("Timeout", o.Timeout)
	nonNegative("LookbackDelta", o.LookbackDelta)
	nonNegative("EvaluationInterval", o.EvaluationInterval)
	nonNegative("ScrapeInterval", o.ScrapeInterval)
	nonNegative("Retention", o.Retention)
	if o.MaxSamples < 0 {
		errs = append(errs, fmt.Errorf("MaxSamples must not be negative, got %d", o.MaxSamples))
	}
	if o.MaxConcurrency < 0 {
		errs = append(errs, fmt.Errorf("MaxConcurrency must not be negative, got %d", o.MaxConcurrency))
	}
	if o.EvaluationInterval > 0 && o.EvaluationInterval < time.Millisecond {
		errs = append(errs, fmt.Errorf("EvaluationInterval must be at least 1ms, got %s", o.EvaluationInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("promapi options: %w", err)
	}
	return nil
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	setDuration := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	setDuration(&o.Timeout, DefaultTimeout)
	setDuration(&o.LookbackDelta, DefaultLookbackDelta)
	setDuration(&o.EvaluationInterval, DefaultEvaluationInterval)
	setDuration(&o.ScrapeInterval, DefaultScrapeInterval)
	if o.MaxSamples == 0 {
		o.MaxSamples = DefaultMaxSamples
	}
	if o.MaxConcurrency == 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	return o
}
