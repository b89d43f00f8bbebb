//go:build !unix

package sidecar

import (
	"context"
	"log/slog"
)

// reopenOnSIGUSR1 does nothing where there is no SIGUSR1; POST
// /reopen_logs on the admin port still reopens the access log.
func reopenOnSIGUSR1(context.Context, *Sidecar, *slog.Logger) {}
