// Package exporter is the `meshlens` collector exporter: it converts what
// pipelines deliver (pdata) into storage rows and writes them to the backend
// held by the meshlens_storage extension.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
	storageext "github.com/meshlens/meshlens/storage/extension"
	"github.com/meshlens/meshlens/storage/rollup"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// TypeStr is the component type users write in YAML.
const TypeStr = "meshlens"

// NewFactory returns the meshlens exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(component.MustNewType(TypeStr), createDefaultConfig,
		exporter.WithMetrics(createMetrics, component.StabilityLevelDevelopment),
		exporter.WithLogs(createLogs, component.StabilityLevelDevelopment),
		exporter.WithTraces(createTraces, component.StabilityLevelDevelopment))
}

// writer is shared by the signal-specific exporters of one component: it
// resolves the backend at Start.
type writer struct {
	cfg     *Config
	backend storage.Backend
	pool    sync.Pool // *metricsScratch
	// istio keeps the previous value of each Istio series for the
	// metrics rollups (rollups.go).
	istio *rollup.Metrics
}

type metricsScratch struct {
	conv    rowconv.Converter
	samples []storage.Sample
}

func (w *writer) start(_ context.Context, host component.Host) error {
	b, err := storageext.FindBackend(host, storageext.IDOrDefault(w.cfg.Storage))
	if err != nil {
		return fmt.Errorf("meshlens exporter: %w", err)
	}
	w.backend = b
	return nil
}

func newWriter(cfg component.Config) *writer {
	w := &writer{cfg: cfg.(*Config), istio: rollup.NewMetrics()}
	w.pool.New = func() any { return &metricsScratch{} }
	return w
}

// options are the exporterhelper settings every signal shares.
func (w *writer) options() []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(w.start),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(w.cfg.Timeout),
		exporterhelper.WithQueue(w.cfg.Queue),
		exporterhelper.WithRetry(w.cfg.Retry),
	}
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	w := newWriter(cfg)
	return exporterhelper.NewMetrics(ctx, set, cfg, w.pushMetrics, w.options()...)
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	w := newWriter(cfg)
	return exporterhelper.NewTraces(ctx, set, cfg, w.pushTraces, w.options()...)
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	w := newWriter(cfg)
	return exporterhelper.NewLogs(ctx, set, cfg, w.pushLogs, w.options()...)
}

// pushMetrics converts and appends one batch. Conversion problems and
// samples the backend rejects are permanent errors (a retry cannot fix
// them); everything else may be retried.
func (w *writer) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	s := w.pool.Get().(*metricsScratch)
	defer func() {
		clear(s.samples) // drop label references before pooling
		s.samples = s.samples[:0]
		w.pool.Put(s)
	}()
	var convErr error
	var meta []storage.Metadata
	s.samples, meta, convErr = s.conv.AppendMetrics(s.samples[:0], md)
	if ms, ok := w.backend.(storage.MetadataStore); ok && len(meta) > 0 {
		if err := ms.UpdateMetadata(ctx, meta); err != nil {
			return fmt.Errorf("updating metadata: %w", err)
		}
	}
	err := w.backend.AppendSamples(ctx, s.samples)
	var rej *storage.RejectedError
	if err == nil || errors.As(err, &rej) {
		// Rejected samples are out of order or duplicates; the rollups
		// skip those by time too.
		if rerr := w.rollupSamples(ctx, s.samples); rerr != nil {
			return rerr
		}
	}
	if errors.As(err, &rej) {
		err = consumererror.NewPermanent(err)
	}
	if convErr != nil {
		err = errors.Join(err, consumererror.NewPermanent(fmt.Errorf("converting metrics: %w", convErr)))
	}
	return err
}
