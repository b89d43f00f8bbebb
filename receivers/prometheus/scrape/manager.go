package scrape

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Manager runs one scrape loop per target of every job and hands each
// scrape's pdata to a consumer.
//
// Each call of consume carries one target's scrape: one ResourceMetrics
// whose Resource attributes are the target labels, with the scraped series,
// staleness markers and the report series (up, scrape_duration_seconds,
// ...), following the rowconv contract. Loops call consume concurrently
// (one call at a time per target). The Metrics belong to consume: the
// Manager never touches them after the call. A consume error is logged; the
// samples are not retried, as in Prometheus.
type Manager struct {
	jobs    []*job
	consume func(context.Context, pmetric.Metrics) error
	logger  *slog.Logger
	client  *http.Client
	seed    uint64

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewManager validates cfg and prepares the loops; nothing runs until Start.
// consume is required; a nil logger discards logs.
func NewManager(cfg Config, consume func(context.Context, pmetric.Metrics) error, logger *slog.Logger) (*Manager, error) {
	if consume == nil {
		return nil, errors.New("prometheus scrape: nil consume function")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("prometheus scrape config: %w", err)
	}
	if logger == nil {
		logger = discardLogger
	}
	m := &Manager{consume: consume, logger: logger, client: newHTTPClient(), seed: offsetSeed()}
	for i := range cfg.ScrapeConfigs {
		j, err := resolveJob(fmt.Sprintf("scrape_configs[%d]", i), &cfg.ScrapeConfigs[i], &cfg.Global)
		if err != nil {
			return nil, fmt.Errorf("prometheus scrape config: %w", err)
		}
		m.jobs = append(m.jobs, j)
	}
	return m, nil
}

// Start launches the loops and returns at once. Loops outlive ctx (as the
// collector's Start contract asks); Shutdown stops them. Start may be
// called only once.
func (m *Manager) Start(_ context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return errors.New("prometheus scrape: manager already started")
	}
	var loops []*loop
	for _, j := range m.jobs {
		for _, t := range j.targets {
			f, err := newFetcher(m.client, t, j)
			if err != nil {
				return fmt.Errorf("prometheus scrape job %q: %w", j.name, err)
			}
			logger := m.logger.With("job", j.name, "target", t.String())
			loops = append(loops, &loop{
				target: t, fetcher: f, conv: newConverter(t, j, logger),
				consume: m.consume, logger: logger, seed: m.seed,
			})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.started, m.cancel = true, cancel
	for _, l := range loops {
		m.wg.Go(func() { l.run(ctx) })
	}
	return nil
}

// Shutdown stops every loop and waits for them to return, or for ctx to
// end (then it reports ctx's error and the loops finish in the background).
// It is safe to call before Start and more than once.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	cancel := m.cancel
	m.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		m.client.CloseIdleConnections()
		return nil
	case <-ctx.Done():
		return fmt.Errorf("prometheus scrape: waiting for scrape loops to stop: %w", ctx.Err())
	}
}

func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true // We ask for gzip ourselves and inflate with a reused reader.
	tr.MaxIdleConnsPerHost = 4
	return &http.Client{Transport: tr}
}

// offsetSeed spreads targets differently on different hosts, as Prometheus
// seeds its offsets with its host name and external labels.
func offsetSeed() uint64 {
	h := fnv.New64a()
	name, _ := os.Hostname()
	h.Write([]byte(name))
	return h.Sum64()
}
