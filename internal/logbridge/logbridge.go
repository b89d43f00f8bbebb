// Package logbridge hands the collector's zap logger to libraries that take
// a *slog.Logger (Prometheus' TSDB, promql, meshlens' own logic packages).
package logbridge

import (
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
)

// Slog returns a slog.Logger writing to l's core. A nil l gives a logger
// that discards everything.
func Slog(l *zap.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(zapslog.NewHandler(l.Core()))
}
