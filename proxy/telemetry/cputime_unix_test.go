//go:build unix

package telemetry

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time so far: with it a
// benchmark charges each request for the background goroutines' work
// (span and ALS encoding, log writes) too, not only its own path.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
