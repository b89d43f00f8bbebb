// Package proxy is the bundled sidecar: an outbound listener routing the
// app's calls by Istio rules, an inbound listener in front of the app, and
// an admin listener. Routing tables come from package route, connection
// pools and resilience from package upstream, and every request is reported
// through the telemetry.Observer seam.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
	"github.com/meshlens/meshlens/proxy/upstream"
)

// Config is the proxy's static configuration. Routing rules are not here:
// they come from Source and are reloaded while running.
type Config struct {
	OutboundAddr string // default "127.0.0.1:15001"
	InboundAddr  string // default "127.0.0.1:15006"; "" with NoInbound disables it
	AdminAddr    string // default "127.0.0.1:15090"
	NoInbound    bool   // a client-only workload (a load generator) has no inbound listener

	AppAddr     string // host:port of the local app, for inbound traffic
	AppHTTP2    bool   // speak h2c to the app
	InboundPort uint32 // the service port inbound traffic is for (cluster "inbound|<port>||"); default: the identity service's first registry port, else the AppAddr port
	Identity    route.Identity
	Source      config.Source
	ConfigPoll  time.Duration // fallback config check period; default 2s
	Observer    telemetry.Observer
	Metrics     http.Handler // served at /stats/prometheus; nil serves nothing
	Logger      *slog.Logger

	// RetryBufferLimit is the largest request body buffered so the request
	// can be retried (default 64 KiB). Larger bodies stream and are not
	// retried; Envoy behaves alike with its per-request buffer limit.
	RetryBufferLimit int
}

func (c *Config) defaults() {
	if c.OutboundAddr == "" {
		c.OutboundAddr = "127.0.0.1:15001"
	}
	if c.InboundAddr == "" && !c.NoInbound {
		c.InboundAddr = "127.0.0.1:15006"
	}
	if c.AdminAddr == "" {
		c.AdminAddr = "127.0.0.1:15090"
	}
	if c.RetryBufferLimit <= 0 {
		c.RetryBufferLimit = 64 << 10
	}
	if c.Identity.Namespace == "" {
		c.Identity.Namespace = "default"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate checks the static configuration, naming the bad field.
func (c *Config) Validate() error {
	if c.Source.RegistryFile == "" {
		return errors.New("registry: required")
	}
	if c.Identity.Service == "" {
		return errors.New("identity.service: required")
	}
	if !c.NoInbound {
		if c.AppAddr == "" {
			return errors.New("app.address: required unless inbound is disabled")
		}
		if _, _, err := net.SplitHostPort(c.AppAddr); err != nil {
			return fmt.Errorf("app.address: %w", err)
		}
	}
	for name, a := range map[string]string{"listeners.outbound": c.OutboundAddr, "listeners.inbound": c.InboundAddr, "listeners.admin": c.AdminAddr} {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// Proxy is one running sidecar.
type Proxy struct {
	cfg      Config
	obs      telemetry.Observer
	mgr      *upstream.Manager
	table    atomic.Pointer[route.Table]
	watcher  *config.Watcher
	inbound  *upstream.Cluster
	self     telemetry.Peer
	selfHdr  string
	inbName  string
	ready    atomic.Bool
	servers  []*http.Server
	addrs    map[string]string
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closeMu  sync.Mutex
	isClosed bool
}

// New validates cfg and loads the routing config; a bad registry or Istio
// file fails here with an error naming the file and field.
func New(cfg Config) (*Proxy, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, obs: cfg.Observer, mgr: upstream.NewManager(), addrs: map[string]string{}}
	if p.obs == nil {
		p.obs = nopObserver{}
	}
	w, err := config.NewWatcher(cfg.Source, p.apply, cfg.Logger, cfg.ConfigPoll)
	if err != nil {
		return nil, err
	}
	p.watcher = w
	id := cfg.Identity
	p.self = telemetry.Peer{Workload: id.Workload, Namespace: id.Namespace, App: id.Service, Version: id.Version,
		Service: id.Service + "." + id.Namespace + "." + config.ClusterDomain}
	if p.self.Workload == "" {
		p.self.Workload = id.Service
		if id.Version != "" {
			p.self.Workload += "-" + id.Version
		}
	}
	p.selfHdr = encodePeer(p.self)
	if !cfg.NoInbound {
		port := cfg.InboundPort
		if port == 0 {
			if svc, sp, ok := p.table.Load().LookupHost(p.self.Service); ok && svc != nil {
				port = sp
			}
		}
		if port == 0 {
			_, ps, _ := net.SplitHostPort(cfg.AppAddr)
			fmt.Sscan(ps, &port)
		}
		p.inbName = fmt.Sprintf("inbound|%d||", port)
		p.inbound = upstream.NewCluster(upstream.Spec{Name: p.inbName, Service: id.Service, Namespace: id.Namespace,
			FQDN: p.self.Service, Port: port, Endpoints: []upstream.Endpoint{{Address: cfg.AppAddr, Workload: p.self.Workload}},
			Policy: upstream.Policy{HTTP2: cfg.AppHTTP2}})
	}
	return p, nil
}

// apply compiles and installs a snapshot (the Watcher's ApplyFunc).
func (p *Proxy) apply(s *config.Snapshot) error {
	t, err := route.Compile(s, p.cfg.Identity, p.mgr)
	if err != nil {
		return err
	}
	for _, w := range t.Warnings {
		p.cfg.Logger.Warn("config", "warning", w)
	}
	p.table.Store(t)
	return nil
}

// Table is the routing table in force.
func (p *Proxy) Table() *route.Table { return p.table.Load() }

// Watcher is the config watcher (for its LastError and Check).
func (p *Proxy) Watcher() *config.Watcher { return p.watcher }

// Start binds the listeners and serves until Close. It returns once every
// listener accepts connections.
func (p *Proxy) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	type l struct {
		name, addr string
		h          http.Handler
	}
	ls := []l{{"outbound", p.cfg.OutboundAddr, http.HandlerFunc(p.serveOutbound)}}
	if !p.cfg.NoInbound {
		ls = append(ls, l{"inbound", p.cfg.InboundAddr, http.HandlerFunc(p.serveInbound)})
	}
	ls = append(ls, l{"admin", p.cfg.AdminAddr, p.adminHandler()})
	for _, x := range ls {
		ln, err := net.Listen("tcp", x.addr)
		if err != nil {
			cancel()
			p.shutdownServers(context.Background())
			return fmt.Errorf("listeners.%s: %w", x.name, err)
		}
		p.addrs[x.name] = ln.Addr().String()
		srv := &http.Server{Handler: x.h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: time.Hour,
			ErrorLog: slog.NewLogLogger(p.cfg.Logger.Handler(), slog.LevelDebug)}
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
		p.servers = append(p.servers, srv)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			_ = srv.Serve(ln)
		}()
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.watcher.Run(ctx)
	}()
	p.ready.Store(true)
	return nil
}

// Addr returns the bound address of a listener: "outbound", "inbound" or
// "admin" ("" before Start).
func (p *Proxy) Addr(name string) string { return p.addrs[name] }

// Close stops the listeners, waiting for requests in flight until ctx ends.
func (p *Proxy) Close(ctx context.Context) error {
	p.closeMu.Lock()
	if p.isClosed {
		p.closeMu.Unlock()
		return nil
	}
	p.isClosed = true
	p.closeMu.Unlock()
	p.ready.Store(false)
	if p.cancel != nil {
		p.cancel()
	}
	err := p.shutdownServers(ctx)
	p.wg.Wait()
	p.mgr.Close()
	if p.inbound != nil {
		p.inbound.Close()
	}
	return err
}

func (p *Proxy) shutdownServers(ctx context.Context) error {
	var errs []error
	for _, s := range p.servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			s.Close()
		}
	}
	return errors.Join(errs...)
}
