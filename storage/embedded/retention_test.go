package embedded

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// TestRetention drops whole expired days and old dead letters, keeps the
// rest readable through the view, and survives a reopen.
func TestRetention(t *testing.T) {
	dir := t.TempDir()
	be, err := Open(Config{Path: dir, Retention: 48 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	old, recent := now.Add(-40*time.Hour), now.Add(-time.Hour)
	mustWrite(t, be, []storage.AccessLog{{Start: old, RequestID: "old"}, {Start: recent, RequestID: "recent"}})
	if err := be.WriteDeadLetters(ctx, []storage.DeadLetter{{Received: old, Raw: []byte("o")}, {Received: recent, Raw: []byte("r")}}); err != nil {
		t.Fatal(err)
	}
	// When the old record's whole day is older than 48h (the recent
	// record's day is at least a day younger).
	later := utcDay(old).Add(24*time.Hour + 48*time.Hour)
	if err := be.duck.enforceRetention(ctx, later); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, be); !slices.Equal(got, []string{"recent"}) {
		t.Fatalf("after retention: %q, want [recent]", got)
	}
	dls, err := be.DeadLetters(ctx, old.Add(-time.Hour), now.Add(time.Hour), 0)
	if err != nil || len(dls) != 1 || string(dls[0].Raw) != "r" {
		t.Fatalf("dead letters after retention: %v, %v", dls, err)
	}
	if be.duck.days[utcDay(old)] {
		t.Fatalf("day %s still listed", utcDay(old))
	}
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}
	be, err = Open(Config{Path: dir, Retention: 48 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if got := ids(t, be); !slices.Equal(got, []string{"recent"}) {
		t.Fatalf("after reopen: %q, want [recent]", got)
	}
	if len(be.duck.days) != 1 {
		t.Fatalf("days after reopen: %v", be.duck.days)
	}
}

// TestRejectsOutsideRetention reports records that retention would drop
// at once, or that lie more than a day ahead, and stores the rest.
func TestRejectsOutsideRetention(t *testing.T) {
	be := openTest(t)
	now := time.Now()
	err := be.WriteAccessLogs(context.Background(), []storage.AccessLog{
		{Start: now.Add(-DefaultRetention - time.Hour), RequestID: "too-old"},
		{Start: now, RequestID: "ok"},
		{Start: now.Add(48 * time.Hour), RequestID: "future"},
		{RequestID: "zero-time"},
	})
	var rej *storage.RejectedError
	if !errors.As(err, &rej) || rej.Rejected != 3 || rej.Signal != "access_logs" {
		t.Fatalf("got %v, want a RejectedError for 3 access_logs", err)
	}
	if got := ids(t, be); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("stored %q, want [ok]", got)
	}
	if err := be.WriteAccessLogs(context.Background(), nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
}

func mustWrite(t *testing.T, be *Backend, rows []storage.AccessLog) {
	t.Helper()
	if err := be.WriteAccessLogs(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
}

func ids(t *testing.T, be *Backend) []string {
	t.Helper()
	rows, err := be.FindAccessLogs(context.Background(), storage.AccessLogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.RequestID)
	}
	return out
}
