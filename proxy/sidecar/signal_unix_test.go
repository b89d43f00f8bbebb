//go:build unix

package sidecar

import (
	"os"
	"syscall"
)

// sigusr1 sends SIGUSR1 to this process (nil where there is none).
var sigusr1 = func() error { return syscall.Kill(os.Getpid(), syscall.SIGUSR1) }
