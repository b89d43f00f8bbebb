//go:build !unix

package testutil

import "time"

// ProcessCPU is not measured here: it is 0, and benchmarks report 0 for
// their per-CPU figures.
func ProcessCPU() time.Duration { return 0 }
