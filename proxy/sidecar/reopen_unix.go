//go:build unix

package sidecar

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// reopenOnSIGUSR1 reopens the access-log file on each SIGUSR1 until ctx
// ends, as Envoy does, so logrotate can rename the file and signal the
// sidecar (or POST /reopen_logs on the admin port).
func reopenOnSIGUSR1(ctx context.Context, s *Sidecar, log *slog.Logger) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		defer signal.Stop(ch)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				if s.Telemetry == nil {
					continue
				}
				if err := s.Telemetry.ReopenLogs(ctx); err != nil {
					log.Error("reopening the access log", "err", err)
				} else {
					log.Info("access log reopened")
				}
			}
		}
	}()
}
