// Package extension is the `meshlens_storage` collector extension: it owns
// one storage backend for the whole collector, so that the `meshlens`
// exporter (one instance per signal) and the `meshlens_query` extension share
// it, the way Jaeger v2's storage extension works.
package extension

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"

	"github.com/meshlens/meshlens/internal/logbridge"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/clickhouse"
	"github.com/meshlens/meshlens/storage/embedded"
)

// TypeStr is the component type users write in YAML.
const TypeStr = "meshlens_storage"

// Type is TypeStr as a component.Type.
var Type = component.MustNewType(TypeStr)

// NewFactory returns the meshlens_storage extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(Type,
		func() component.Config { return createDefaultConfig() },
		func(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
			return &storageExtension{cfg: cfg.(*Config), logger: set.Logger}, nil
		},
		component.StabilityLevelDevelopment)
}

// BackendProvider is implemented by the meshlens_storage extension.
type BackendProvider interface {
	// Backend returns the opened backend. It is valid between the
	// extension's Start and Shutdown; the extension owns and closes it.
	Backend() storage.Backend
}

type storageExtension struct {
	cfg    *Config
	logger *zap.Logger

	mu      sync.Mutex
	backend storage.Backend
}

func (e *storageExtension) Start(ctx context.Context, _ component.Host) error {
	var b storage.Backend
	if ch := e.cfg.ClickHouse; ch != nil {
		cb, err := clickhouse.Open(ctx, *ch, logbridge.Slog(e.logger))
		if err != nil {
			return fmt.Errorf("meshlens_storage: %w", err)
		}
		b = cb
		e.logger.Info("storage opened", zap.String("backend", "clickhouse"),
			zap.String("endpoint", ch.Endpoint), zap.String("database", ch.Database))
	} else {
		eb, err := embedded.Open(*e.cfg.Embedded, logbridge.Slog(e.logger))
		if err != nil {
			return fmt.Errorf("meshlens_storage: %w", err)
		}
		b = eb
		e.logger.Info("storage opened", zap.String("backend", "embedded"), zap.String("path", e.cfg.Embedded.Path))
	}
	e.mu.Lock()
	e.backend = b
	e.mu.Unlock()
	return nil
}

func (e *storageExtension) Shutdown(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.backend == nil {
		return nil
	}
	err := e.backend.Close()
	e.backend = nil
	return err
}

func (e *storageExtension) Backend() storage.Backend {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.backend
}

// DefaultID is the id components use when their `storage` key is empty.
var DefaultID = component.NewID(Type)

// IDOrDefault returns id, or DefaultID when id is empty.
func IDOrDefault(id component.ID) component.ID {
	if (id == component.ID{}) {
		return DefaultID
	}
	return id
}

// FindBackend returns the backend of the meshlens_storage extension with the
// given id from the host. An empty id picks the only meshlens_storage
// extension there is. Components call it in Start, after extensions started.
func FindBackend(host component.Host, id component.ID) (storage.Backend, error) {
	var found []BackendProvider
	var ids []component.ID
	for eid, ext := range host.GetExtensions() {
		p, ok := ext.(BackendProvider)
		if !ok {
			continue
		}
		if (id == component.ID{}) || eid == id {
			found = append(found, p)
			ids = append(ids, eid)
		}
	}
	switch {
	case len(found) == 0 && (id == component.ID{}):
		return nil, errors.New("no meshlens_storage extension: add it under `extensions:` and `service.extensions`")
	case len(found) == 0:
		return nil, fmt.Errorf("storage: extension %q not found (is it listed in service.extensions?)", id)
	case len(found) > 1:
		return nil, fmt.Errorf("storage: several meshlens_storage extensions %v; name one with `storage: <id>`", ids)
	}
	b := found[0].Backend()
	if b == nil {
		return nil, fmt.Errorf("storage: extension %q has not started", ids[0])
	}
	return b, nil
}
