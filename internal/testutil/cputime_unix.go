//go:build unix

package testutil

import (
	"syscall"
	"time"
)

// ProcessCPU is the process's user+system CPU time so far, all threads
// included (DuckDB's, the runtime's, background goroutines'): benchmarks
// report work per CPU-second with it, which says more than wall time on a
// shared, loaded machine.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
