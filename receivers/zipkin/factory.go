// Package zipkin is meshlens' `zipkin` receiver: Zipkin v1 (JSON, Thrift)
// and v2 (JSON, protobuf) span intake over HTTP.
//
// It reuses the collector-contrib Zipkin translators, but not the contrib
// receiver, because that receiver drops the v2 `shared` and `debug` flags
// (Envoy marks its server spans shared) and accepts v2 JSON with unknown
// fields and ids of any length. See handler for the answers it gives.
package zipkin

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
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"

	"github.com/meshlens/meshlens/internal/httpserve"
)

// TypeStr is the component type users write in YAML.
const TypeStr = "zipkin"

// NewFactory returns the zipkin receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(component.MustNewType(TypeStr),
		func() component.Config {
			srv := confighttp.NewDefaultServerConfig()
			srv.NetAddr.Endpoint = DefaultEndpoint
			srv.MaxRequestBodySize = DefaultMaxBodyBytes
			return &Config{ServerConfig: srv}
		},
		receiver.WithTraces(create, component.StabilityLevelDevelopment))
}

func create(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Traces) (receiver.Traces, error) {
	c := cfg.(*Config)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.ID, Transport: "http", ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TypeStr, err)
	}
	r := &zipkinReceiver{cfg: c, set: set}
	r.handler = newHandler(c.ParseStringTags, func(ctx context.Context, td ptrace.Traces, transport string) error {
		ctx = obs.StartTracesOp(ctx)
		err := next.ConsumeTraces(ctx, td)
		obs.EndTracesOp(ctx, transport, td.SpanCount(), err)
		switch {
		case err == nil:
			return nil
		case consumererror.IsPermanent(err):
			return withStatus(http.StatusBadRequest, fmt.Errorf("spans refused: %w", err))
		case errors.Is(err, exporterhelper.ErrQueueIsFull):
			return withStatus(http.StatusServiceUnavailable, fmt.Errorf("try again: %w", err))
		}
		return withStatus(http.StatusInternalServerError, fmt.Errorf("storing spans: %w", err))
	})
	return r, nil
}

type zipkinReceiver struct {
	cfg     *Config
	set     receiver.Settings
	handler *handler
	server  *httpserve.Server
}

func (r *zipkinReceiver) Start(ctx context.Context, host component.Host) error {
	mux := http.NewServeMux()
	mux.Handle(PathV1, r.handler)
	mux.Handle(PathV2, r.handler)
	var err error
	r.server, err = httpserve.Start(ctx, r.cfg.ServerConfig, host, r.set.TelemetrySettings, mux, "zipkin intake")
	return err
}

// Shutdown stops accepting spans and waits for requests in flight, so
// every request answered 202 has reached the pipeline.
func (r *zipkinReceiver) Shutdown(ctx context.Context) error { return r.server.Shutdown(ctx) }
