package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"

	"github.com/meshlens/meshlens/internal/httpserve"
	"github.com/meshlens/meshlens/internal/logbridge"
	"github.com/meshlens/meshlens/receivers/prometheus/remotewrite"
)

// RemoteWriteTypeStr is the remote-write receiver's component type.
const RemoteWriteTypeStr = "prometheus_remote_write"

// DefaultRemoteWriteEndpoint is DESIGN.md's remote-write port on loopback.
const DefaultRemoteWriteEndpoint = "127.0.0.1:9091"

// RemoteWriteConfig is the prometheus_remote_write receiver's configuration:
// the collector's HTTP server settings plus the intake limits.
type RemoteWriteConfig struct {
	confighttp.ServerConfig `mapstructure:",squash"`
	remotewrite.Config      `mapstructure:",squash"`
}

// Validate checks both halves; errors name the field.
func (c *RemoteWriteConfig) Validate() error {
	if c.NetAddr.Endpoint == "" {
		return errors.New("endpoint: must not be empty")
	}
	return c.Config.Validate()
}

// NewRemoteWriteFactory returns the prometheus_remote_write receiver factory.
func NewRemoteWriteFactory() receiver.Factory {
	return receiver.NewFactory(component.MustNewType(RemoteWriteTypeStr),
		func() component.Config {
			srv := confighttp.NewDefaultServerConfig()
			srv.NetAddr.Endpoint = DefaultRemoteWriteEndpoint
			return &RemoteWriteConfig{ServerConfig: srv, Config: remotewrite.DefaultConfig()}
		},
		receiver.WithMetrics(createRemoteWrite, component.StabilityLevelDevelopment))
}

func createRemoteWrite(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	c := cfg.(*RemoteWriteConfig)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.ID, Transport: "http", ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RemoteWriteTypeStr, err)
	}
	r := &remoteWriteReceiver{cfg: c, set: set, obs: obs, next: next}
	r.handler, err = remotewrite.NewHandler(c.Config, r.consume, logbridge.Slog(set.Logger))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RemoteWriteTypeStr, err)
	}
	if err := registerRemoteWriteMetrics(set.TelemetrySettings.MeterProvider.Meter(set.ID.String()), r.handler); err != nil {
		return nil, fmt.Errorf("%s: registering metrics: %w", RemoteWriteTypeStr, err)
	}
	return r, nil
}

type remoteWriteReceiver struct {
	cfg     *RemoteWriteConfig
	set     receiver.Settings
	obs     *receiverhelper.ObsReport
	next    consumer.Metrics
	handler *remotewrite.Handler
	server  *httpserve.Server
}

// consume hands one decoded request to the pipeline and records it in the
// collector's own receiver metrics (accepted / refused points).
// Errors are classified for the sender: permanent ones (e.g. samples the
// TSDB refuses as out of order) are answered 400 so Prometheus does not
// retry them forever; a full queue is answered 503 so it backs off.
func (r *remoteWriteReceiver) consume(ctx context.Context, md pmetric.Metrics) error {
	ctx = r.obs.StartMetricsOp(ctx)
	err := r.next.ConsumeMetrics(ctx, md)
	r.obs.EndMetricsOp(ctx, "prometheus_remote_write", md.DataPointCount(), err)
	switch {
	case err == nil:
		return nil
	case consumererror.IsPermanent(err):
		return remotewrite.Permanent(err)
	case errors.Is(err, exporterhelper.ErrQueueIsFull):
		return remotewrite.Retryable(err)
	}
	return err
}

func (r *remoteWriteReceiver) Start(ctx context.Context, host component.Host) error {
	srv := r.cfg.ServerConfig
	// Remote write defines its own body encoding (snappy): the handler owns
	// Content-Encoding so that it can answer 415 and 413 as Prometheus does.
	// A non-nil empty list turns off confighttp's decompression.
	srv.CompressionAlgorithms = []string{}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/write", r.handler)
	var err error
	r.server, err = httpserve.Start(ctx, srv, host, r.set.TelemetrySettings, mux, "remote-write intake")
	return err
}

// Shutdown stops accepting requests and waits for the ones in flight, so
// every request answered 204 has reached the pipeline.
func (r *remoteWriteReceiver) Shutdown(ctx context.Context) error { return r.server.Shutdown(ctx) }
