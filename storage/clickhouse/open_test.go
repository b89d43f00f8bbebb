package clickhouse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/chtest"
)

// TestOpenErrors: connection, authentication and schema problems fail
// Open with an error that says what was being done.
func TestOpenErrors(t *testing.T) {
	addr := chtest.Shared(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		cfg   Config
		setup string
		want  string
	}{
		{"unreachable", Config{Endpoint: "127.0.0.1:1", Database: "x", DialTimeout: time.Second}, "", "clickhouse: connecting to 127.0.0.1:1"},
		{"unknown user", Config{Endpoint: addr, Database: "x", Username: "nobody", Password: "secret"}, "", `as user "nobody"`},
		{"foreign table", Config{Endpoint: addr, Database: chtest.NewDatabase(t, addr)},
			"CREATE TABLE {{DB}}.metric_metadata (x Int8) ENGINE = Memory", "clickhouse: schema check of "},
		{"foreign table under a view", Config{Endpoint: addr, Database: chtest.NewDatabase(t, addr)},
			"CREATE TABLE {{DB}}.spans (x Int8) ENGINE = Memory", "clickhouse: migration 0001_tables, statement "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != "" {
				if err := chtest.Exec(addr, "CREATE DATABASE "+c.cfg.Database); err != nil {
					t.Fatal(err)
				}
				if err := chtest.Exec(addr, strings.ReplaceAll(c.setup, "{{DB}}", c.cfg.Database)); err != nil {
					t.Fatal(err)
				}
			}
			b, err := Open(ctx, c.cfg, nil)
			if err == nil {
				b.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: %v, want an error containing %q", err, c.want)
			}
		})
	}
}
