//go:build unix

package embedded

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user+system) of the whole process, DuckDB's
// threads included. Benchmarks report it per op beside wall time, which on
// a shared 2-core machine depends on what else runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
