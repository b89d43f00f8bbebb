package envoyaccesslog

import (
	"context"

	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/metric"
)

// registerMetrics exports the count of dead-lettered records as the
// collector's own telemetry (accepted and refused records are counted by
// the receiverhelper ObsReport).
func registerMetrics(set receiver.Settings, r *accessLogReceiver) error {
	m := set.TelemetrySettings.MeterProvider.Meter(set.ID.String())
	rejected, err := m.Int64ObservableCounter("meshlens_accesslog_rejected_records",
		metric.WithDescription("Access-log records that could not be parsed and were kept in the dead-letter table."))
	if err != nil {
		return err
	}
	refused, err := m.Int64ObservableCounter("meshlens_accesslog_refused_batches",
		metric.WithDescription("Batches the pipeline refused permanently (e.g. records older than retention)."))
	if err != nil {
		return err
	}
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(rejected, r.rejected.Load())
		o.ObserveInt64(refused, r.refused.Load())
		return nil
	}, rejected, refused)
	return err
}
