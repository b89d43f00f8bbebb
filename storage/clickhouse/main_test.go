package clickhouse

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/meshlens/meshlens/internal/chtest"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// TestMain runs the package's tests against one private ClickHouse server
// (internal/chtest), stopped at the end. The PromQL corpus files run in
// parallel, each on its own database; they wait on ClickHouse round trips
// rather than CPU, so unless -parallel is given, 4 run at once.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "4")
	}
	os.Exit(chtest.RunMain(m))
}

// openTest opens a backend on a fresh database of the shared server.
func openTest(t testing.TB) *Backend {
	t.Helper()
	addr := chtest.Shared(t)
	return openAt(t, Config{Endpoint: "tcp://" + addr, Database: chtest.NewDatabase(t, addr)})
}

func openAt(t testing.TB, cfg Config) *Backend {
	t.Helper()
	b, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func harness() storagetest.Harness {
	return storagetest.Harness{
		Open: func(t *testing.T) storage.Backend { return openTest(t) },
		Reopen: func(t *testing.T, b storage.Backend) storage.Backend {
			cfg := b.(*Backend).cfg
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, cfg)
		},
		// Enough for the quantiles to be checked on groups of thousands
		// of records while keeping the package's tests to about a minute.
		REDCorpusRows: 200_000,
	}
}

func TestConformanceSamples(t *testing.T)    { storagetest.RunSamples(t, harness()) }
func TestConformanceAccessLogs(t *testing.T) { storagetest.RunAccessLogs(t, harness()) }
func TestConformanceSpans(t *testing.T)      { storagetest.RunSpans(t, harness()) }

func TestConformanceRollups(t *testing.T) { storagetest.RunRollups(t, harness()) }
