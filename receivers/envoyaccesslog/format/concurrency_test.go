package format

import (
	"sync"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// TestConcurrentParse: one auto parser shared by goroutines that parse
// different layouts at once gives each the same record as a lone parse
// (run with -race to check the layout hint).
func TestConcurrentParse(t *testing.T) {
	lines := sampleLines(t)
	want := make([]storage.AccessLog, len(lines))
	for i, l := range lines {
		want[i] = mustParse(t, "auto", l)
	}
	p, _ := ForName("auto")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rec storage.AccessLog
			for n := 0; n < 200; n++ {
				i := (n + g) % len(lines)
				if err := p.Parse([]byte(lines[i]), testReporter, &rec); err != nil || !sameRecord(rec, want[i]) {
					t.Errorf("line %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
