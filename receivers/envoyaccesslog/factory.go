// Package envoyaccesslog is the `envoyaccesslog` collector receiver: Envoy
// and Istio access logs from followed files and from Envoy's gRPC
// access-log service, as plog records (storage/rowconv's access-log
// mapping). Lines that cannot be parsed become dead-letter records, kept
// raw with their error and source, and counted.
package envoyaccesslog

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

// TypeStr is the component type users write in YAML.
const TypeStr = "envoyaccesslog"

// NewFactory returns the envoyaccesslog receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(component.MustNewType(TypeStr),
		func() component.Config { return createDefaultConfig() },
		receiver.WithLogs(func(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
			return newReceiver(cfg.(*Config), set, next)
		}, component.StabilityLevelDevelopment))
}
