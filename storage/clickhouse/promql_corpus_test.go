package clickhouse

import (
	"context"
	"sync"
	"testing"

	"github.com/prometheus/prometheus/promql/promqltest"
	promstorage "github.com/prometheus/prometheus/storage"
)

// skippedCorpusFiles lists the PromQL test files of Prometheus' corpus that
// are not run against the ClickHouse backend, each with its reason.
var skippedCorpusFiles = map[string]string{
	"testdata/start_timestamps.test": "needs start-timestamp storage, which the ClickHouse backend (like the embedded one) does not keep",
}

// skipRunner runs the corpus, turning listed files into visible skips.
type skipRunner struct{ *testing.T }

func (r skipRunner) Run(name string, f func(*testing.T)) bool {
	if reason, ok := skippedCorpusFiles[name]; ok {
		return r.T.Run(name, func(t *testing.T) { t.Skip(reason) })
	}
	// The files run in parallel, each on its own database: the run is
	// bound by ClickHouse round trips, not CPU.
	return r.T.Run(name, func(t *testing.T) {
		t.Parallel()
		f(t)
	})
}

// TestPromQLCorpus runs Prometheus' own PromQL test files against the
// series and samples tables. Each file gets a fresh database; a `clear`
// inside a file empties its sample tables (TRUNCATE), which is what
// clearing a Prometheus storage means, at a fraction of the cost of
// another database and schema.
func TestPromQLCorpus(t *testing.T) {
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	var mu sync.Mutex
	byFile := map[string]*Backend{}
	promqltest.RunBuiltinTestsWithStorage(skipRunner{t}, engine, func(tb testing.TB) promstorage.Storage {
		mu.Lock()
		b, ok := byFile[tb.Name()]
		mu.Unlock()
		if ok {
			clearSamples(tb, b)
			return b.Storage()
		}
		b = openTest(tb)
		tb.Cleanup(func() { _ = b.Close() })
		mu.Lock()
		byFile[tb.Name()] = b
		mu.Unlock()
		return b.Storage()
	})
}

// clearSamples empties b's sample tables and the caches over them.
func clearSamples(tb testing.TB, b *Backend) {
	tb.Helper()
	for _, table := range []string{"samples", "series", "metric_metadata"} {
		if err := b.conn.Exec(context.Background(), "TRUNCATE TABLE "+b.table(table)); err != nil {
			tb.Fatal(err)
		}
	}
	b.series.mu.Lock()
	b.series.init()
	b.series.mu.Unlock()
	b.labels.mu.Lock()
	b.labels.m = nil
	b.labels.mu.Unlock()
}
