// Package queryext is the `meshlens_query` collector extension: one HTTP
// port serving the Prometheus API (and, as they land, the trace APIs,
// meshlens' own API and the web UI) over the backend of meshlens_storage.
package queryext

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/meshlens/meshlens/internal/httpserve"
	"github.com/meshlens/meshlens/internal/logbridge"
	"github.com/meshlens/meshlens/query/jaegerapi"
	"github.com/meshlens/meshlens/query/meshapi"
	"github.com/meshlens/meshlens/query/promapi"
	"github.com/meshlens/meshlens/query/zipkinapi"
	"github.com/meshlens/meshlens/storage"
	storageext "github.com/meshlens/meshlens/storage/extension"
)

// TypeStr is the component type users write in YAML.
const TypeStr = "meshlens_query"

// NewFactory returns the meshlens_query extension factory; opts add what
// it serves besides the APIs (WithUI).
func NewFactory(opts ...Option) extension.Factory {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return extension.NewFactory(component.MustNewType(TypeStr), createDefaultConfig,
		func(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
			return &queryExtension{cfg: cfg.(*Config), set: set, opts: o}, nil
		},
		component.StabilityLevelDevelopment)
}

type queryExtension struct {
	cfg  *Config
	set  extension.Settings
	opts options

	api    *promapi.API
	server *httpserve.Server
}

func (e *queryExtension) Start(ctx context.Context, host component.Host) error {
	backend, err := storageext.FindBackend(host, storageext.IDOrDefault(e.cfg.Storage))
	if err != nil {
		return fmt.Errorf("meshlens_query: %w", err)
	}
	md, _ := backend.(storage.MetadataStore)
	e.api, err = promapi.New(backend, md, promapi.Options{
		Timeout:       e.cfg.QueryTimeout,
		MaxSamples:    e.cfg.MaxSamples,
		LookbackDelta: e.cfg.LookbackDelta,
	}, logbridge.Slog(e.set.Logger))
	if err != nil {
		return fmt.Errorf("meshlens_query: %w", err)
	}
	mux := http.NewServeMux()
	e.api.Register(mux)
	logger := logbridge.Slog(e.set.Logger)
	mesh := meshapi.New(backend, logger)
	mesh.SetHealth(e.cfg.Health)
	mesh.Register(mux)
	jaegerapi.New(backend, logger).Register(mux)
	zipkinapi.New(backend, logger).Register(mux)
	if e.opts.ui != nil {
		mux.Handle("GET /", e.opts.ui) // last and least specific: the APIs win
	}

	e.server, err = httpserve.Start(ctx, e.cfg.ServerConfig, host, e.set.TelemetrySettings, mux, "query API")
	return err
}

// Dependencies makes the collector start the storage extension first.
func (e *queryExtension) Dependencies() []component.ID {
	return []component.ID{storageext.IDOrDefault(e.cfg.Storage)}
}

func (e *queryExtension) Shutdown(ctx context.Context) error {
	var errs []error
	errs = append(errs, e.server.Shutdown(ctx))
	if e.api != nil {
		errs = append(errs, e.api.Close())
	}
	return errors.Join(errs...)
}
