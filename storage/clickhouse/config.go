package clickhouse

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultRetention is how long raw data is kept when Config.Retention is 0.
const DefaultRetention = 7 * 24 * time.Hour

// DefaultRetentionCheckInterval is how often expired day partitions are
// dropped when Config.RetentionCheckInterval is 0.
const DefaultRetentionCheckInterval = time.Hour

// Config configures the ClickHouse backend. It is plain data decoded from
// the collector config (`meshlens_storage: {clickhouse: {...}}`).
type Config struct {
	// Endpoint is the native-protocol address: tcp://host:port (port 9000
	// by default, 9440 is usual with TLS) or host:port.
	Endpoint string `mapstructure:"endpoint"`
	// Database is created when missing; it holds every meshlens table.
	Database string `mapstructure:"database"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	// TLS, when set, encrypts the connection.
	TLS *TLSConfig `mapstructure:"tls"`
	// Cluster, when set, is the ClickHouse cluster (remote_servers) whose
	// schema deploy/clickhouse/cluster.sql created: the backend then checks
	// that the tables exist instead of creating them.
	Cluster string `mapstructure:"cluster"`
	// Retention is how long raw data is kept; 0 means DefaultRetention.
	// Data goes by whole UTC days (daily partitions are dropped).
	Retention time.Duration `mapstructure:"retention"`
	// RetentionCheckInterval is how often expired partitions are dropped;
	// 0 means DefaultRetentionCheckInterval.
	RetentionCheckInterval time.Duration `mapstructure:"retention_check_interval"`
	// DialTimeout bounds connecting; 0 means 10s.
	DialTimeout time.Duration `mapstructure:"dial_timeout"`
	// DependencyWait is how far apart in start time a call's client and
	// server spans may be and still pair into a dependency link (see
	// Dependencies); 0 means DefaultDependencyWait.
	DependencyWait time.Duration `mapstructure:"dependency_wait"`
	// AutocompleteKeys are the span tag keys whose values the Zipkin
	// autocomplete API offers; nil means DefaultAutocompleteKeys.
	AutocompleteKeys []string `mapstructure:"autocomplete_keys"`
}

// DefaultDependencyWait is Config.DependencyWait's default.
const DefaultDependencyWait = 5 * time.Minute

// TLSConfig is the client side of TLS to ClickHouse.
type TLSConfig struct {
	// CAFile verifies the server; empty means the system roots.
	CAFile string `mapstructure:"ca_file"`
	// CertFile and KeyFile, both or neither, authenticate the client.
	CertFile string `mapstructure:"cert_file"`
	KeyFile  string `mapstructure:"key_file"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `mapstructure:"server_name"`
	// InsecureSkipVerify disables server verification (tests only).
	InsecureSkipVerify bool `mapstructure:"insecure_skip_verify"`
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports the first invalid field by its config name.
func (c *Config) Validate() error {
	if c.Endpoint == "" {
		return errors.New("clickhouse.endpoint: must not be empty (e.g. tcp://127.0.0.1:9000)")
	}
	if _, err := c.addr(); err != nil {
		return fmt.Errorf("clickhouse.endpoint: %w", err)
	}
	if c.Database == "" {
		return errors.New("clickhouse.database: must not be empty")
	}
	// Database and cluster names are identifiers in DDL: no quoting games.
	if !identRE.MatchString(c.Database) {
		return fmt.Errorf("clickhouse.database: %q must match %s", c.Database, identRE)
	}
	if c.Cluster != "" && !identRE.MatchString(c.Cluster) {
		return fmt.Errorf("clickhouse.cluster: %q must match %s", c.Cluster, identRE)
	}
	if c.Retention < 0 {
		return fmt.Errorf("clickhouse.retention: %s is negative", c.Retention)
	}
	if c.Retention != 0 && c.Retention < 24*time.Hour {
		return fmt.Errorf("clickhouse.retention: %s is shorter than the 24h minimum (data is kept in daily partitions)", c.Retention)
	}
	if c.RetentionCheckInterval < 0 {
		return fmt.Errorf("clickhouse.retention_check_interval: %s is negative", c.RetentionCheckInterval)
	}
	if c.DialTimeout < 0 {
		return fmt.Errorf("clickhouse.dial_timeout: %s is negative", c.DialTimeout)
	}
	if c.DependencyWait < 0 {
		return fmt.Errorf("clickhouse.dependency_wait: %s is negative", c.DependencyWait)
	}
	for i, k := range c.AutocompleteKeys {
		if k == "" {
			return fmt.Errorf("clickhouse.autocomplete_keys[%d]: must not be empty", i)
		}
	}
	if t := c.TLS; t != nil && (t.CertFile == "") != (t.KeyFile == "") {
		return errors.New("clickhouse.tls: cert_file and key_file must be set together")
	}
	return nil
}

// addr is Endpoint as host:port.
func (c *Config) addr() (string, error) {
	e := c.Endpoint
	if strings.Contains(e, "://") {
		u, err := url.Parse(e)
		if err != nil {
			return "", err
		}
		if u.Scheme != "tcp" && u.Scheme != "clickhouse" {
			return "", fmt.Errorf("scheme %q: only the native protocol (tcp://) is supported", u.Scheme)
		}
		e = u.Host
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		return "", fmt.Errorf("%q: want host:port: %w", c.Endpoint, err)
	}
	if host == "" || port == "" {
		return "", fmt.Errorf("%q: want host:port", c.Endpoint)
	}
	return e, nil
}

func (c *Config) tlsConfig() (*tls.Config, error) {
	t := c.TLS
	if t == nil {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // opt-in for tests
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("clickhouse.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("clickhouse.tls.ca_file: no certificate in %s", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("clickhouse.tls.cert_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
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

func (c *Config) dialTimeout() time.Duration {
	if c.DialTimeout == 0 {
		return 10 * time.Second
	}
	return c.DialTimeout
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
