package main

import (
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"

	queryext "github.com/meshlens/meshlens/query/queryext"
	"github.com/meshlens/meshlens/receivers/envoyaccesslog"
	promreceiver "github.com/meshlens/meshlens/receivers/prometheus"
	zipkinreceiver "github.com/meshlens/meshlens/receivers/zipkin"
	mlexporter "github.com/meshlens/meshlens/storage/exporter"
	storageext "github.com/meshlens/meshlens/storage/extension"
	"github.com/meshlens/meshlens/web"
)

// components lists every component the meshlens distribution ships.
func components() (otelcol.Factories, error) {
	var f otelcol.Factories
	var err error
	if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](
		promreceiver.NewScrapeFactory(),
		promreceiver.NewRemoteWriteFactory(),
		otlpreceiver.NewFactory(),
		envoyaccesslog.NewFactory(),
		zipkinreceiver.NewFactory(),
	); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](mlexporter.NewFactory()); err != nil {
		return f, err
	}
	if f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](
		storageext.NewFactory(),
		queryext.NewFactory(queryext.WithUI(web.Handler())),
		filestorage.NewFactory(), // persistent sending_queue for the meshlens exporter
	); err != nil {
		return f, err
	}
	f.Telemetry = otelconftelemetry.NewFactory()
	return f, nil
}
