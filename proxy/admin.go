package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/upstream"
)

// adminHandler serves the admin listener, as Envoy's admin port and
// Istio's merged stats port.
func (p *Proxy) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if !p.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("PRE_INITIALIZING\n"))
			return
		}
		_, _ = w.Write([]byte("LIVE\n"))
	})
	mux.HandleFunc("GET /config_dump", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(p.ConfigDump())
	})
	mux.HandleFunc("GET /clusters", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.mgr.Status())
	})
	// Envoy's POST /reopen_logs: the access-log file is reopened, for
	// rotation (also on SIGUSR1, see proxy/sidecar).
	mux.HandleFunc("POST /reopen_logs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if ro, ok := p.obs.(LogReopener); ok {
			if err := ro.ReopenLogs(r.Context()); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		_, _ = w.Write([]byte("OK\n"))
	})
	mux.HandleFunc("GET /stats/prometheus", func(w http.ResponseWriter, r *http.Request) {
		if p.cfg.Metrics == nil {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			return
		}
		p.cfg.Metrics.ServeHTTP(w, r)
	})
	return mux
}

// LogReopener is an Observer whose access-log file can be reopened after
// rotation; telemetry.Telemetry is one.
type LogReopener interface {
	ReopenLogs(ctx context.Context) error
}

// ConfigDump is the JSON served at /config_dump: the config in force, the
// last reload error, and the live clusters with host health.
type ConfigDump struct {
	Version          int64             `json:"version"`
	LoadedAt         time.Time         `json:"loadedAt"`
	LastReloadError  string            `json:"lastReloadError,omitempty"`
	Identity         route.Identity    `json:"identity"`
	Registry         *config.Registry  `json:"registry"`
	VirtualServices  []dumpedResource  `json:"virtualServices"`
	DestinationRules []dumpedResource  `json:"destinationRules"`
	Ignored          []config.Resource `json:"ignored,omitempty"`
	Warnings         []string          `json:"warnings,omitempty"`
	Clusters         []upstream.Status `json:"clusters"`
}

type dumpedResource struct {
	config.Resource
	Spec json.RawMessage `json:"spec"`
}

// ConfigDump snapshots the proxy's configuration.
func (p *Proxy) ConfigDump() ConfigDump {
	t := p.table.Load()
	s := t.Snapshot
	d := ConfigDump{Version: s.Version, LoadedAt: s.LoadedAt, Identity: t.Identity, Registry: s.Registry,
		Ignored: s.Istio.Ignored, Warnings: t.Warnings, Clusters: p.mgr.Status()}
	if err := p.watcher.LastError(); err != nil {
		d.LastReloadError = err.Error()
	}
	d.VirtualServices = []dumpedResource{}
	d.DestinationRules = []dumpedResource{}
	for _, v := range s.Istio.VirtualServices {
		b, _ := protojson.Marshal(v.Spec)
		d.VirtualServices = append(d.VirtualServices, dumpedResource{Resource: v.Resource, Spec: b})
	}
	for _, r := range s.Istio.DestinationRules {
		b, _ := protojson.Marshal(r.Spec)
		d.DestinationRules = append(d.DestinationRules, dumpedResource{Resource: r.Resource, Spec: b})
	}
	return d
}
