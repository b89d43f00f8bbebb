package prometheus

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/meshlens/meshlens/internal/logbridge"
	"github.com/meshlens/meshlens/receivers/prometheus/scrape"
)

// ScrapeTypeStr is the scrape receiver's component type.
const ScrapeTypeStr = "prometheus_scrape"

// ScrapeConfig is the prometheus_scrape receiver's configuration: keys as in
// Prometheus' scrape_config.
type ScrapeConfig struct {
	scrape.Config `mapstructure:",squash"`
}

// NewScrapeFactory returns the prometheus_scrape receiver factory.
func NewScrapeFactory() receiver.Factory {
	return receiver.NewFactory(component.MustNewType(ScrapeTypeStr),
		func() component.Config { return &ScrapeConfig{} },
		receiver.WithMetrics(createScrape, component.StabilityLevelDevelopment))
}

func createScrape(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	c := cfg.(*ScrapeConfig)
	m, err := scrape.NewManager(c.Config, next.ConsumeMetrics, logbridge.Slog(set.Logger))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ScrapeTypeStr, err)
	}
	return &scrapeReceiver{m: m}, nil
}

type scrapeReceiver struct{ m *scrape.Manager }

func (r *scrapeReceiver) Start(ctx context.Context, _ component.Host) error {
	// The manager's loops must outlive Start's context.
	return r.m.Start(context.WithoutCancel(ctx))
}

func (r *scrapeReceiver) Shutdown(ctx context.Context) error { return r.m.Shutdown(ctx) }
