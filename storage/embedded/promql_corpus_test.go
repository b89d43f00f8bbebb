package embedded

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"
	promstorage "github.com/prometheus/prometheus/storage"
)

// skippedCorpusFiles lists the PromQL test files of Prometheus' corpus that
// are not run against the embedded backend, each with its reason.
var skippedCorpusFiles = map[string]string{
	"testdata/start_timestamps.test": "needs start-timestamp storage (tsdb EnableSTStorage with XOR2 chunks), " +
		"experimental in Prometheus v0.316 and off by default there as in meshlens",
}

// skipRunner runs the corpus, turning listed files into visible skips.
type skipRunner struct{ *testing.T }

func (r skipRunner) Run(name string, f func(*testing.T)) bool {
	if reason, ok := skippedCorpusFiles[name]; ok {
		return r.T.Run(name, func(t *testing.T) { t.Skip(reason) })
	}
	return r.T.Run(name, f)
}

// TestPromQLCorpus runs Prometheus' own PromQL test files against the
// embedded storage, opened exactly as meshlens opens it.
func TestPromQLCorpus(t *testing.T) {
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	promqltest.RunBuiltinTestsWithStorage(skipRunner{t}, engine, func(tb testing.TB) promstorage.Storage {
		// The corpus loads series whose samples lie hours apart in one
		// transaction, which a default 2h-block TSDB refuses as out of
		// bounds; Prometheus' own test storage differs the same way.
		b, err := Open(Config{Path: tb.TempDir(), OutOfOrderWindow: 100 * 365 * 24 * time.Hour}, nil)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = b.Close() })
		return b.Storage()
	})
}
