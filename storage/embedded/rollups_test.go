package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

func TestConformanceRollups(t *testing.T) {
	storagetest.RunRollups(t, harness())
}

// TestRollupRetention keeps rollups for rollup_retention, longer than raw
// data, and then deletes them.
func TestRollupRetention(t *testing.T) {
	be, err := Open(Config{Path: t.TempDir(), Retention: 24 * time.Hour, RollupRetention: 72 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	row := func(age time.Duration) storage.Rollup {
		return storage.Rollup{RollupKey: storage.RollupKey{Minute: now.Add(-age), Source: "logs", Reporter: "source",
			Edge: storage.Edge{SourceService: "a", DestinationService: "b", Protocol: "http"}},
			RollupCounts: storage.RollupCounts{Requests: 1}, Latency: storage.NewLatencySketch()}
	}
	// A row older than raw retention is still kept; one older than the
	// rollup retention is dropped at write.
	if err := be.WriteRollups(ctx, 1, []storage.Rollup{row(48 * time.Hour), row(time.Hour), row(100 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		aggs, err := be.Rollups(ctx, storage.RollupQuery{Start: now.Add(-200 * time.Hour), End: now})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, a := range aggs {
			n += a.Requests
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("stored %d requests, want 2", n)
	}
	if err := be.duck.enforceRetention(ctx, time.Now().Add(30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("after retention: %d requests, want 1 (the 1h-old row)", n)
	}
}

func TestRollupRetentionConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Path: "x", RollupRetention: -time.Hour}, "embedded.rollup_retention: -1h0m0s is negative"},
		{Config{Path: "x", RollupRetention: time.Minute}, "embedded.rollup_retention: 1m0s is shorter than the 1h minimum"},
		{Config{Path: "x", RollupRetention: 90 * 24 * time.Hour}, ""},
	} {
		got := ""
		if err := c.cfg.Validate(); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Validate(%+v) = %q, want %q", c.cfg, got, c.want)
		}
	}
	if d := (&Config{}).rollupRetention(); d != DefaultRollupRetention {
		t.Errorf("default rollup retention %s", d)
	}
}
