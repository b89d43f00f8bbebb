package format

import (
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// recView adds compact assertions to a parsed record.
type recView struct{ storage.AccessLog }

func (recView) eq(t *testing.T, name, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func (recView) eqInt(t *testing.T, name string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", name, got, want)
	}
}
