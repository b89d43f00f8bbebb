//go:build tools

// Package tools pins modules the build and tests need before code imports
// them, so that `go mod tidy` keeps them.
package tools

import (
	_ "github.com/golang/snappy"
	_ "github.com/prometheus/client_golang/api/prometheus/v1"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/common/expfmt"
	_ "github.com/prometheus/prometheus/model/textparse"
	_ "github.com/prometheus/prometheus/prompb"
	_ "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	_ "github.com/prometheus/prometheus/promql"
	_ "github.com/prometheus/prometheus/promql/parser"
	_ "github.com/prometheus/prometheus/promql/promqltest"
	_ "github.com/prometheus/prometheus/tsdb"
	_ "github.com/spf13/cobra"
	_ "go.opentelemetry.io/collector/component"
	_ "go.opentelemetry.io/collector/component/componenttest"
	_ "go.opentelemetry.io/collector/config/confighttp"
	_ "go.opentelemetry.io/collector/confmap/provider/envprovider"
	_ "go.opentelemetry.io/collector/confmap/provider/fileprovider"
	_ "go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	_ "go.opentelemetry.io/collector/consumer"
	_ "go.opentelemetry.io/collector/consumer/consumertest"
	_ "go.opentelemetry.io/collector/exporter"
	_ "go.opentelemetry.io/collector/exporter/exporterhelper"
	_ "go.opentelemetry.io/collector/extension"
	_ "go.opentelemetry.io/collector/otelcol"
	_ "go.opentelemetry.io/collector/pdata/pmetric"
	_ "go.opentelemetry.io/collector/receiver"
	_ "go.opentelemetry.io/collector/receiver/receiverhelper"
	_ "go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
	_ "go.uber.org/zap"
)
