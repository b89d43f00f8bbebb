// Package storagetest is the conformance suite every storage backend runs.
//
// A backend's own test calls the Run* functions with a Harness; each subtest
// opens a fresh, empty backend, so backends must make Open cheap enough for
// that (a temp directory, or a fresh database per test).
package storagetest

import (
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// Harness opens backends for the suite.
type Harness struct {
	// Open returns a new, empty backend. The suite closes it (or hands it
	// to Reopen); Open registers any other cleanup with t.Cleanup.
	Open func(t *testing.T) storage.Backend
	// Reopen closes b and opens a backend on the same data, as after a
	// restart. Nil skips the durability checks, and the suite says so.
	Reopen func(t *testing.T, b storage.Backend) storage.Backend
	// REDCorpusRows is the size of RunAccessLogs' generated RED corpus;
	// 0 means DefaultREDCorpusRows. Backends that can take it run ≥ 1M.
	REDCorpusRows int
}
