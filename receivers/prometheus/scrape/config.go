package scrape

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Prometheus' defaults (config.DefaultGlobalConfig and config.DefaultScrapeConfig).
const (
	// DefaultScrapeInterval applies when neither the job nor global sets scrape_interval.
	DefaultScrapeInterval = time.Minute
	// DefaultScrapeTimeout applies when neither the job nor global sets
	// scrape_timeout; it is capped at the job's scrape_interval.
	DefaultScrapeTimeout = 10 * time.Second
	// DefaultMetricsPath is the path scraped when metrics_path is empty.
	DefaultMetricsPath = "/metrics"
	// DefaultScheme is the scheme used when scheme is empty.
	DefaultScheme = "http"
)

// Config is the prometheus_scrape receiver's configuration: a subset of
// Prometheus' own configuration with the same keys and the same defaults,
// decoded by mapstructure from collector YAML.
//
// A zero Config is invalid (it has no scrape configs); Validate says why.
type Config struct {
	// Global holds defaults for every scrape config, as Prometheus' global block.
	Global GlobalConfig `mapstructure:"global"`
	// ScrapeConfigs lists the jobs to scrape; job names must be unique.
	ScrapeConfigs []JobConfig `mapstructure:"scrape_configs"`
}

// GlobalConfig holds the defaults a JobConfig inherits for every field it
// leaves at its zero value. Zero fields here fall back to Prometheus'
// defaults (1m interval, 10s timeout, no limits, Prometheus' protocol list).
type GlobalConfig struct {
	ScrapeInterval  time.Duration    `mapstructure:"scrape_interval"`
	ScrapeTimeout   time.Duration    `mapstructure:"scrape_timeout"`
	BodySizeLimit   ByteSize         `mapstructure:"body_size_limit"`
	SampleLimit     int              `mapstructure:"sample_limit"`
	ScrapeProtocols []ScrapeProtocol `mapstructure:"scrape_protocols"`
}

// JobConfig is one Prometheus scrape_config. Field semantics are Prometheus':
//
//   - ScrapeTimeout must not exceed ScrapeInterval; when unset it is
//     min(global timeout, interval).
//   - HonorLabels false renames scraped labels that clash with target labels
//     to exported_<name>; true keeps the scraped value.
//   - HonorTimestamps (default true) keeps timestamps written in the
//     exposition; series with one are not given staleness markers unless
//     TrackTimestampsStaleness is set.
//   - BodySizeLimit 0 and SampleLimit 0 mean no limit. Exceeding either fails
//     the scrape (up = 0) and marks the target's series stale.
//   - ScrapeProtocols orders the Accept header; FallbackScrapeProtocol parses
//     a response whose Content-Type is missing or unknown (without it such a
//     scrape fails, as in Prometheus 3).
//   - EnableCompression (default true) asks for gzip.
type JobConfig struct {
	JobName                  string           `mapstructure:"job_name"`
	ScrapeInterval           time.Duration    `mapstructure:"scrape_interval"`
	ScrapeTimeout            time.Duration    `mapstructure:"scrape_timeout"`
	MetricsPath              string           `mapstructure:"metrics_path"`
	Scheme                   string           `mapstructure:"scheme"`
	Params                   url.Values       `mapstructure:"params"`
	HonorLabels              bool             `mapstructure:"honor_labels"`
	HonorTimestamps          *bool            `mapstructure:"honor_timestamps"`
	TrackTimestampsStaleness bool             `mapstructure:"track_timestamps_staleness"`
	BodySizeLimit            ByteSize         `mapstructure:"body_size_limit"`
	SampleLimit              int              `mapstructure:"sample_limit"`
	ScrapeProtocols          []ScrapeProtocol `mapstructure:"scrape_protocols"`
	FallbackScrapeProtocol   ScrapeProtocol   `mapstructure:"fallback_scrape_protocol"`
	EnableCompression        *bool            `mapstructure:"enable_compression"`
	StaticConfigs            []StaticConfig   `mapstructure:"static_configs"`
}

// StaticConfig is a fixed group of targets ("host:port") sharing labels.
// Labels become target labels (Resource attributes); names starting with
// "__" are internal, as in Prometheus (__scheme__, __metrics_path__,
// __param_<name>, __scrape_interval__, __scrape_timeout__ override the job's
// settings for these targets), and are not attached to samples.
type StaticConfig struct {
	Targets []string          `mapstructure:"targets"`
	Labels  map[string]string `mapstructure:"labels"`
}

// Validate reports every configuration error, each prefixed by the path of
// the offending field (e.g. "scrape_configs[0].scrape_timeout: ...").
func (c *Config) Validate() error {
	var errs []error
	if len(c.ScrapeConfigs) == 0 {
		errs = append(errs, errors.New("scrape_configs: at least one scrape config is required"))
	}
	errs = append(errs, c.Global.validate("global")...)
	seen := make(map[string]int, len(c.ScrapeConfigs))
	for i := range c.ScrapeConfigs {
		path := fmt.Sprintf("scrape_configs[%d]", i)
		jc := &c.ScrapeConfigs[i]
		if first, dup := seen[jc.JobName]; dup && jc.JobName != "" {
			errs = append(errs, fmt.Errorf("%s.job_name: duplicate job name %q (also scrape_configs[%d])", path, jc.JobName, first))
		} else {
			seen[jc.JobName] = i
		}
		if _, err := resolveJob(path, jc, &c.Global); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (g *GlobalConfig) validate(path string) []error {
	var errs []error
	if g.ScrapeInterval < 0 {
		errs = append(errs, fmt.Errorf("%s.scrape_interval: %s must not be negative", path, g.ScrapeInterval))
	}
	if g.ScrapeTimeout < 0 {
		errs = append(errs, fmt.Errorf("%s.scrape_timeout: %s must not be negative", path, g.ScrapeTimeout))
	}
	if g.ScrapeInterval > 0 && g.ScrapeTimeout > g.ScrapeInterval {
		errs = append(errs, fmt.Errorf("%s.scrape_timeout: %s is greater than scrape_interval %s", path, model.Duration(g.ScrapeTimeout), model.Duration(g.ScrapeInterval)))
	}
	if g.BodySizeLimit < 0 {
		errs = append(errs, fmt.Errorf("%s.body_size_limit: %d must not be negative", path, g.BodySizeLimit))
	}
	if g.SampleLimit < 0 {
		errs = append(errs, fmt.Errorf("%s.sample_limit: %d must not be negative", path, g.SampleLimit))
	}
	if g.ScrapeProtocols != nil {
		if err := validateProtocols(g.ScrapeProtocols); err != nil {
			errs = append(errs, fmt.Errorf("%s.scrape_protocols: %w", path, err))
		}
	}
	return errs
}

// job is a JobConfig with every default applied and its targets built.
type job struct {
	name                     string
	honorLabels              bool
	honorTimestamps          bool
	trackTimestampsStaleness bool
	bodySizeLimit            int64
	sampleLimit              int
	acceptHeader             string
	acceptEncoding           string
	fallbackMediaType        string
	targets                  []*target
}

// resolveJob applies defaults from global and Prometheus, validates the
// result and builds the job's targets. Errors are joined and carry the
// field path under path.
func resolveJob(path string, jc *JobConfig, global *GlobalConfig) (*job, error) {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", path, field, fmt.Sprintf(format, args...)))
	}

	if jc.JobName == "" {
		fail("job_name", "must not be empty")
	}
	interval := firstNonZero(jc.ScrapeInterval, global.ScrapeInterval, DefaultScrapeInterval)
	if jc.ScrapeInterval < 0 {
		fail("scrape_interval", "%s must not be negative", jc.ScrapeInterval)
	}
	timeout := jc.ScrapeTimeout
	switch {
	case timeout < 0:
		fail("scrape_timeout", "%s must not be negative", timeout)
	case timeout > interval:
		fail("scrape_timeout", "%s is greater than scrape_interval %s", model.Duration(timeout), model.Duration(interval))
	case timeout == 0:
		timeout = min(firstNonZero(global.ScrapeTimeout, DefaultScrapeTimeout), interval)
	}
	metricsPath := firstNonZero(jc.MetricsPath, DefaultMetricsPath)
	if !strings.HasPrefix(metricsPath, "/") {
		fail("metrics_path", "%q must start with /", metricsPath)
	}
	scheme := firstNonZero(jc.Scheme, DefaultScheme)
	if scheme != "http" && scheme != "https" {
		fail("scheme", "%q must be http or https", scheme)
	}
	bodyLimit := firstNonZero(jc.BodySizeLimit, global.BodySizeLimit)
	if jc.BodySizeLimit < 0 {
		fail("body_size_limit", "%d must not be negative", jc.BodySizeLimit)
	}
	sampleLimit := firstNonZero(jc.SampleLimit, global.SampleLimit)
	if jc.SampleLimit < 0 {
		fail("sample_limit", "%d must not be negative", jc.SampleLimit)
	}
	protocols := jc.ScrapeProtocols
	switch {
	case protocols != nil:
		if err := validateProtocols(protocols); err != nil {
			fail("scrape_protocols", "%v", err)
		}
	case global.ScrapeProtocols != nil:
		protocols = global.ScrapeProtocols
	default:
		protocols = DefaultScrapeProtocols
	}
	var fallback string
	if jc.FallbackScrapeProtocol != "" {
		if err := jc.FallbackScrapeProtocol.Validate(); err != nil {
			fail("fallback_scrape_protocol", "%v", err)
		} else {
			fallback = jc.FallbackScrapeProtocol.mediaType()
		}
	}
	if len(jc.StaticConfigs) == 0 {
		fail("static_configs", "at least one target is required")
	}

	j := &job{
		name:                     jc.JobName,
		honorLabels:              jc.HonorLabels,
		honorTimestamps:          jc.HonorTimestamps == nil || *jc.HonorTimestamps,
		trackTimestampsStaleness: jc.TrackTimestampsStaleness,
		bodySizeLimit:            int64(bodyLimit),
		sampleLimit:              sampleLimit,
		acceptHeader:             acceptHeader(protocols),
		acceptEncoding:           acceptEncodingHeader(jc.EnableCompression == nil || *jc.EnableCompression),
		fallbackMediaType:        fallback,
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	defaults := targetDefaults{
		job: jc.JobName, scheme: scheme, metricsPath: metricsPath,
		interval: interval, timeout: timeout, params: jc.Params,
	}
	j.targets, errs = buildTargets(path, jc.StaticConfigs, defaults)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return j, nil
}

// firstNonZero returns the first of vs that is not the zero value.
func firstNonZero[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}
