package exporter

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Config is the `meshlens` exporter's configuration.
//
// By default there is no sending queue and no retry: a receiver's
// acknowledgement (e.g. remote-write's 204) then means the data is durable
// in the backend. Enabling `sending_queue` trades that for throughput.
type Config struct {
	// Storage names the meshlens_storage extension to write to; empty
	// means `meshlens_storage`.
	Storage component.ID `mapstructure:"storage"`

	Timeout exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	Queue   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	Retry   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
}

func createDefaultConfig() component.Config {
	retry := configretry.NewDefaultBackOffConfig()
	retry.Enabled = false
	return &Config{
		Timeout: exporterhelper.NewDefaultTimeoutConfig(),
		Queue:   configoptional.Default(exporterhelper.NewDefaultQueueConfig()),
		Retry:   retry,
	}
}
