package embedded

import (
	"testing"

	"github.com/meshlens/meshlens/storage/storagetest"
)

// TestConformanceAccessLogs runs the access-log conformance suite, with the
// issue's ≥1M-record RED corpus unless -short.
func TestConformanceAccessLogs(t *testing.T) {
	h := harness()
	h.REDCorpusRows = 1_000_000
	if testing.Short() {
		h.REDCorpusRows = 0
	}
	storagetest.RunAccessLogs(t, h)
}
