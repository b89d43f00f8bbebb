// Package httpserve runs the HTTP server of a collector component (a
// receiver's intake, the query extension) from its confighttp settings,
// so that each component starts, logs and drains it the same way.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.uber.org/zap"
)

// Server is one running HTTP server. The zero value (and nil) is a server
// that never started: Shutdown is then a no-op.
type Server struct {
	srv  *http.Server
	done chan struct{}
}

// Start listens on cfg's endpoint and serves h with every confighttp
// setting (TLS, auth, decompression, body limits, …) in the background.
// what names the server in errors and logs ("zipkin intake"); a serve
// error after start is logged, not returned.
func Start(ctx context.Context, cfg confighttp.ServerConfig, host component.Host, tel component.TelemetrySettings,
	h http.Handler, what string,
) (*Server, error) {
	ln, err := cfg.ToListener(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: listening on %s: %w", what, cfg.NetAddr.Endpoint, err)
	}
	srv, err := cfg.ToServer(ctx, host.GetExtensions(), tel, h)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	s := &Server{srv: srv, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			tel.Logger.Error(what+" stopped", zap.Error(err))
		}
	}()
	tel.Logger.Info(what+" listening", zap.String("endpoint", ln.Addr().String()))
	return s, nil
}

// Shutdown stops accepting requests and waits for the ones in flight (up
// to ctx), so that every request already answered has been handled whole.
func (s *Server) Shutdown(ctx context.Context) error {
	if s == nil || s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}
