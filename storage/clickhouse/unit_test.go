package clickhouse

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
)

// The tests in this file need no server.

func TestConfigValidate(t *testing.T) {
	ok := Config{Endpoint: "tcp://127.0.0.1:9000", Database: "meshlens"}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"valid", func(*Config) {}, ""},
		{"host:port", func(c *Config) { c.Endpoint = "db:9000" }, ""},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "clickhouse.endpoint: must not be empty"},
		{"http", func(c *Config) { c.Endpoint = "http://db:8123" }, "clickhouse.endpoint: scheme \"http\""},
		{"no port", func(c *Config) { c.Endpoint = "tcp://db" }, "clickhouse.endpoint:"},
		{"no database", func(c *Config) { c.Database = "" }, "clickhouse.database: must not be empty"},
		{"database injection", func(c *Config) { c.Database = "m; DROP DATABASE x" }, "clickhouse.database:"},
		{"cluster injection", func(c *Config) { c.Cluster = "c' --" }, "clickhouse.cluster:"},
		{"negative retention", func(c *Config) { c.Retention = -1 }, "clickhouse.retention: -1ns is negative"},
		{"short retention", func(c *Config) { c.Retention = 1 }, "clickhouse.retention: 1ns is shorter"},
		{"negative interval", func(c *Config) { c.RetentionCheckInterval = -1 }, "clickhouse.retention_check_interval"},
		{"negative dial timeout", func(c *Config) { c.DialTimeout = -1 }, "clickhouse.dial_timeout"},
		{"half a client cert", func(c *Config) { c.TLS = &TLSConfig{CertFile: "c.pem"} }, "clickhouse.tls: cert_file and key_file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.edit(&cfg)
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
				t.Fatalf("Validate() = %v, want %q...", err, c.want)
			}
		})
	}
}

func TestMatcherSQLBindsValues(t *testing.T) {
	cases := []struct {
		m        *labels.Matcher
		sql      string
		wantArgs []any
	}{
		{labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"), "metric_name = ?", []any{"up"}},
		{labels.MustNewMatcher(labels.MatchNotEqual, "job", `a'; DROP TABLE samples; --`),
			"label_values[indexOf(label_names, ?)] != ?", []any{"job", `a'; DROP TABLE samples; --`}},
		{labels.MustNewMatcher(labels.MatchRegexp, "code", `5..|4\d\d`),
			"match(label_values[indexOf(label_names, ?)], ?)", []any{"code", `^(?s:5..|4\d\d)$`}},
		{labels.MustNewMatcher(labels.MatchNotRegexp, "__name__", `x"y`), "NOT match(metric_name, ?)", []any{`^(?s:x"y)$`}},
	}
	for _, c := range cases {
		sql, args := matcherSQL([]*labels.Matcher{c.m})
		if sql != c.sql || !reflect.DeepEqual(args, c.wantArgs) {
			t.Errorf("matcherSQL(%s) = %q %q, want %q %q", c.m, sql, args, c.sql, c.wantArgs)
		}
	}
}

func TestHistogramEncodingRoundTrip(t *testing.T) {
	cases := []*histogram.FloatHistogram{
		{},
		{CounterResetHint: histogram.GaugeType, Schema: -2, ZeroThreshold: 1e-128, ZeroCount: 3, Count: 12, Sum: math.Float64frombits(value.StaleNaN),
			PositiveSpans: []histogram.Span{{Offset: -3, Length: 2}, {Offset: 5, Length: 1}}, PositiveBuckets: []float64{1, 2, 3},
			NegativeSpans: []histogram.Span{{Offset: 1, Length: 1}}, NegativeBuckets: []float64{math.Inf(1)}},
		{Schema: histogram.CustomBucketsSchema, Count: 2, Sum: 3, PositiveSpans: []histogram.Span{{Length: 2}},
			PositiveBuckets: []float64{1, 1}, CustomValues: []float64{0.5, math.Inf(1)}},
	}
	for i, fh := range cases {
		got, err := decodeHistogram(encodeHistogram(fh))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if encodeHistogram(got) != encodeHistogram(fh) || math.Float64bits(got.Sum) != math.Float64bits(fh.Sum) {
			t.Errorf("case %d: round trip changed %+v to %+v", i, fh, got)
		}
	}
	if _, err := decodeHistogram("\x01\x00\x02"); err == nil {
		t.Error("a truncated encoding decoded")
	}
}

// FuzzDecodeHistogram: decoding arbitrary stored bytes never panics, and
// whatever decodes re-encodes to the same bytes.
func FuzzDecodeHistogram(f *testing.F) {
	f.Add(encodeHistogram(&histogram.FloatHistogram{Count: 1, PositiveSpans: []histogram.Span{{Length: 1}}, PositiveBuckets: []float64{1}}))
	f.Add("\x01\x00")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		fh, err := decodeHistogram(s)
		if err != nil {
			return
		}
		if again := encodeHistogram(fh); again != s {
			t.Fatalf("%q decoded and re-encoded as %q", s, again)
		}
	})
}

// FuzzConfigEndpoint: any endpoint string validates or fails with an error
// naming the field, never panics.
func FuzzConfigEndpoint(f *testing.F) {
	for _, s := range []string{"tcp://127.0.0.1:9000", "db:9000", "http://x", "tcp://[::1]:9000", "::::", "tcp://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, endpoint string) {
		c := Config{Endpoint: endpoint, Database: "m"}
		if err := c.Validate(); err != nil && !strings.HasPrefix(err.Error(), "clickhouse.endpoint") {
			t.Fatalf("Validate(%q) = %v, not naming clickhouse.endpoint", endpoint, err)
		}
	})
}

func TestStatements(t *testing.T) {
	got := statements("-- a comment; with a semicolon\nCREATE TABLE a (x Int8);\n\n-- more\nCREATE TABLE b\n(y Int8);\nSELECT 1")
	want := []string{"CREATE TABLE a (x Int8)", "CREATE TABLE b\n(y Int8)", "SELECT 1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("statements = %q, want %q", got, want)
	}
}
