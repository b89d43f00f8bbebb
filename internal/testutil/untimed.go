package testutil

import (
	"testing"
	"time"
)

// BenchBatches is the loop of an ingest benchmark: under b.Loop it makes
// batch(i) for i = 0, 1, … with the timer stopped and consumes it, failing
// b on an error. It reports items per second of wall time (unit+"/s") and
// per CPU-second of the whole process (unit+"/cpu-s"), the CPU spent
// making batches excluded; each batch holds items items.
func BenchBatches[T any](b *testing.B, items int, unit string, batch func(i int) T, consume func(T) error) {
	b.ReportAllocs()
	var untimed time.Duration
	cpu0 := ProcessCPU()
	i := 0
	for b.Loop() {
		b.StopTimer()
		c0 := ProcessCPU()
		in := batch(i)
		untimed += ProcessCPU() - c0
		b.StartTimer()
		i++
		if err := consume(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(items*b.N)/b.Elapsed().Seconds(), unit+"/s")
	if cpu := ProcessCPU() - cpu0 - untimed; cpu > 0 {
		b.ReportMetric(float64(items*b.N)/cpu.Seconds(), unit+"/cpu-s")
	}
}
