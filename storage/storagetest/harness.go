// Package storagetest is the conformance suite every storage backend runs.
//
// A backend's own test calls the Run* functions with a Harness; each subtest
// opens a fresh, empty backend, so backends must make Open cheap enough for
// that (a temp directory, or a fresh database per test).
package storagetest

import (
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Harness opens backends for the suite.
type Harness struct {
	// Open returns a new, empty backend. The suite closes it (or hands it
	// to Reopen); Open registers any other cleanup with t.Cleanup.
	Open func(t *testing.T) storage.Backend
	// Reopen closes b and opens a backend on the same data, as after a
	// restart. It is required: the durability checks fail without it.
	Reopen func(t *testing.T, b storage.Backend) storage.Backend
	// REDCorpusRows is the size of RunAccessLogs' generated RED corpus;
	// 0 means DefaultREDCorpusRows. Backends that can take it run ≥ 1M.
	REDCorpusRows int
}

// as asserts that b has the ability T, failing the test naming what is
// missing.
func as[T any](t *testing.T, b storage.Backend, what string) T {
	t.Helper()
	v, ok := b.(T)
	if !ok {
		t.Fatalf("backend %T is not %s", b, what)
	}
	return v
}

// reopen restarts b through the harness and closes the new backend at
// cleanup. Every backend must prove durability, so a harness without
// Reopen fails rather than skips.
func reopen(t *testing.T, h Harness, b storage.Backend) storage.Backend {
	t.Helper()
	if h.Reopen == nil {
		t.Fatal("backend harness has no Reopen: durability cannot be checked")
	}
	b = h.Reopen(t, b)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// dayBase is a UTC midnight inside any backend's retention, so rows around
// it land in two days (partitions).
func dayBase() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }
