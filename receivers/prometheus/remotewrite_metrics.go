package prometheus

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/meshlens/meshlens/receivers/prometheus/remotewrite"
)

// registerRemoteWriteMetrics exports the handler's counters as the
// collector's own telemetry (on :8888 by default), so rejected requests are
// visible by reason.
func registerRemoteWriteMetrics(m metric.Meter, h *remotewrite.Handler) error {
	requests, err := m.Int64ObservableCounter("meshlens_remote_write_requests",
		metric.WithDescription("Remote-write requests answered, whatever the status."))
	if err != nil {
		return err
	}
	rejected, err := m.Int64ObservableCounter("meshlens_remote_write_rejected_requests",
		metric.WithDescription("Remote-write requests not answered 2xx, by reason."))
	if err != nil {
		return err
	}
	samples, err := m.Int64ObservableCounter("meshlens_remote_write_samples",
		metric.WithDescription("Remote-write samples, by outcome (accepted, rejected)."))
	if err != nil {
		return err
	}
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := h.Stats()
		o.ObserveInt64(requests, int64(st.Requests))
		for reason, n := range st.Rejected {
			o.ObserveInt64(rejected, int64(n), metric.WithAttributes(attribute.String("reason", string(reason))))
		}
		o.ObserveInt64(samples, int64(st.SamplesAccepted), metric.WithAttributes(attribute.String("outcome", "accepted")))
		o.ObserveInt64(samples, int64(st.SamplesRejected), metric.WithAttributes(attribute.String("outcome", "rejected")))
		return nil
	}, requests, rejected, samples)
	return err
}
