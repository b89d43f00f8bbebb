package rolluptest

import (
	"context"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
)

// Feed builds the rollups of m's traffic over minutes from base through
// the rollup builder, one batch per minute and source as the exporter
// would, and writes them to w. Sources not in sources (e.g. "spans") are
// left out.
func Feed(ctx context.Context, w storage.RollupWriter, m Mesh, base time.Time, minutes int, sources ...string) error {
	want := map[string]bool{}
	for _, s := range sources {
		want[s] = true
	}
	b := rollup.NewBuilder()
	for min := range minutes {
		at := base.Add(time.Duration(min) * time.Minute)
		if want[storage.RollupSourceLogs] {
			logs := m.AccessLogs(at, 1)
			b.Reset()
			b.AddAccessLogs(logs)
			if err := w.WriteRollups(ctx, rollup.BatchIDAccessLogs(logs), b.Rows()); err != nil {
				return fmt.Errorf("access-log rollups: %w", err)
			}
		}
		if want[storage.RollupSourceSpans] {
			spans := m.Spans(at, 1)
			b.Reset()
			b.AddSpans(spans)
			if err := w.WriteRollups(ctx, rollup.BatchIDSpans(spans), b.Rows()); err != nil {
				return fmt.Errorf("span rollups: %w", err)
			}
		}
	}
	if want[storage.RollupSourceMetrics] {
		samples := m.Samples(base, minutes)
		met := rollup.NewMetrics()
		// One batch per scrape time, as a scraper delivers them.
		for i := 0; i < len(samples); {
			j := i
			for j < len(samples) && samples[j].T == samples[i].T {
				j++
			}
			if err := met.Apply(ctx, samples[i:j], w.WriteRollups); err != nil {
				return fmt.Errorf("metric rollups: %w", err)
			}
			i = j
		}
	}
	return nil
}
