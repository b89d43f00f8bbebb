package extension

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/confmap"
)

// TestConfig decodes YAML-shaped maps over the defaults, as the collector
// does, and checks which backend results or which field the error names.
func TestConfig(t *testing.T) {
	cases := []struct {
		name    string
		in      map[string]any
		backend string // "embedded" or "clickhouse" when valid
		wantErr string
	}{
		{"default", map[string]any{}, "embedded", ""},
		{"embedded", map[string]any{"embedded": map[string]any{"path": "/tmp/x"}}, "embedded", ""},
		{"clickhouse replaces the default", map[string]any{"clickhouse": map[string]any{
			"endpoint": "tcp://127.0.0.1:9000", "database": "meshlens"}}, "clickhouse", ""},
		{"both", map[string]any{"embedded": map[string]any{"path": "/tmp/x"},
			"clickhouse": map[string]any{"endpoint": "tcp://127.0.0.1:9000", "database": "meshlens"}}, "",
			"both `embedded` and `clickhouse` are set"},
		{"clickhouse without endpoint", map[string]any{"clickhouse": map[string]any{"database": "m"}}, "", "clickhouse.endpoint"},
		{"clickhouse bad database", map[string]any{"clickhouse": map[string]any{
			"endpoint": "127.0.0.1:9000", "database": "x; DROP"}}, "", "clickhouse.database"},
		{"clickhouse http", map[string]any{"clickhouse": map[string]any{
			"endpoint": "http://127.0.0.1:8123", "database": "m"}}, "", "clickhouse.endpoint"},
		{"clickhouse short retention", map[string]any{"clickhouse": map[string]any{
			"endpoint": "127.0.0.1:9000", "database": "m", "retention": "1h"}}, "", "clickhouse.retention"},
		{"clickhouse half tls", map[string]any{"clickhouse": map[string]any{
			"endpoint": "127.0.0.1:9440", "database": "m", "tls": map[string]any{"cert_file": "c.pem"}}}, "", "clickhouse.tls"},
		{"embedded bad", map[string]any{"embedded": map[string]any{"path": ""}}, "", "embedded.path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			if err := cfg.Unmarshal(confmap.NewFromStringMap(c.in)); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			err := cfg.Validate()
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Validate() = %v, want an error naming %q", err, c.wantErr)
				}
			case err != nil:
				t.Fatalf("Validate() = %v", err)
			case c.backend == "embedded" && (cfg.Embedded == nil || cfg.ClickHouse != nil):
				t.Fatalf("got %+v, want the embedded backend only", cfg)
			case c.backend == "clickhouse" && (cfg.ClickHouse == nil || cfg.Embedded != nil):
				t.Fatalf("got %+v, want the clickhouse backend only", cfg)
			}
		})
	}
}
