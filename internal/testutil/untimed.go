package testutil

import (
	"testing"
	"time"
)

// UntimedCPU runs f with b's timer stopped and returns the process's CPU
// time while f ran: benchmarks that report CPU per item subtract it, so
// the making of their input is not charged.
func UntimedCPU(b *testing.B, f func()) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	c0 := ProcessCPU()
	f()
	return ProcessCPU() - c0
}
