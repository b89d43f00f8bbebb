package embedded

import (
	"os"
	"testing"
)

// TestMain removes the benchmarks' shared generated data after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	closeBenchFixtures()
	os.Exit(code)
}
