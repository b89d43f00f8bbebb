package tail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
)

// appender writes "line NNNNNN" lines to dir/a.log at a steady pace,
// sometimes in two writes (so readers see partial lines), and rotates the
// file by rename halfway, writing a few more lines to the renamed file
// through its old descriptor as Envoy does.
func appender(t *testing.T, dir string, total int) <-chan struct{} {
	done := make(chan struct{})
	path := filepath.Join(dir, "a.log")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			t.Error(err)
		}
		return f
	}
	go func() {
		defer close(done)
		f := open()
		var old *os.File
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := range total {
			if i%25 == 0 {
				<-tick.C
			}
			w := f
			if old != nil && i%2 == 0 && i < total/2+40 {
				w = old
			}
			line := fmt.Sprintf("line %06d\n", i)
			cut := len(line) / 2
			if i%3 != 0 {
				cut = len(line)
			}
			w.WriteString(line[:cut])
			w.WriteString(line[cut:])
			if i == total/2 {
				os.Rename(path, filepath.Join(dir, "a.log.1"))
				old, f = f, open()
			}
		}
		f.Close()
		old.Close()
	}()
	return done
}

// checkExactlyOnce fails unless lines hold "line 000000".."line total-1"
// once each, contiguous under each name (rotation moves a file to a new
// name mid-way, and puts a new file, starting at 0, under the old one).
func checkExactlyOnce(t *testing.T, lines []Line, total int) {
	t.Helper()
	count := make(map[string]int, total)
	next := map[string]int64{}
	for _, l := range lines {
		count[string(l.Text)]++
		if prev, ok := next[l.File]; ok && l.Offset != 0 && l.Offset != prev {
			t.Errorf("%s: line %q at %d, want %d", l.File, l.Text, l.Offset, prev)
		}
		next[l.File] = l.End
	}
	var bad []string
	for i := range total {
		if n := count[fmt.Sprintf("line %06d", i)]; n != 1 {
			bad = append(bad, fmt.Sprintf("%06d×%d", i, n))
		}
	}
	if len(bad) > 0 || len(lines) != total {
		t.Fatalf("%d lines for %d; not exactly once: %v", len(lines), total, bad[:min(len(bad), 20)])
	}
}

// TestRestartNoLossNoDuplicates stops and restarts the tailer several times
// while a file is appended to and rotated, and checks every line arrives
// exactly once.
func TestRestartNoLossNoDuplicates(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.json")
	const total = 12000
	cfg := testConfig(dir)
	cfg.Include = []string{filepath.Join(dir, "a.log*"), filepath.Join(dir, "*.log")}
	cfg.BatchBytes = 2048 // many batches, many checkpoints
	cfg.RotatedIdleTimeout = time.Hour
	s := &sink{}
	done := appender(t, dir, total)
	for _, at := range []int{total / 5, total / 2, total * 4 / 5} {
		tl := startTailer(t, cfg, ck, s.deliver)
		testutil.WaitFor(t, fmt.Sprintf("%d lines", at), 20*time.Second, func() error {
			if n := len(s.snapshot()); n < at {
				return fmt.Errorf("%d lines", n)
			}
			return nil
		})
		stopTailer(t, tl)
	}
	startTailer(t, cfg, ck, s.deliver)
	<-done
	testutil.WaitFor(t, "all lines", 20*time.Second, func() error {
		if n := len(s.snapshot()); n < total {
			return fmt.Errorf("%d lines", n)
		}
		return nil
	})
	waitPolls(t, s, dir)
	checkExactlyOnce(t, withoutMarkers(s.snapshot()), total)
}

// store is a downstream that, as the storage contract requires, leaves
// its data unchanged when a batch is replayed exactly. It recognises a
// replay by the batch's extent and checks the replay is byte-identical.
type store struct {
	mu      sync.Mutex
	batches map[string][]Line
	lines   []Line
	replays int
}

func batchKey(lines []Line) string {
	return fmt.Sprintf("%s:%d-%s:%d/%d", lines[0].File, lines[0].Offset, lines[len(lines)-1].File, lines[len(lines)-1].End, len(lines))
}

func (s *store) write(t *testing.T, lines []Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := batchKey(lines)
	if prev, ok := s.batches[k]; ok {
		if !slices.EqualFunc(prev, lines, func(a, b Line) bool {
			return a.File == b.File && a.Offset == b.Offset && a.End == b.End && string(a.Text) == string(b.Text) && a.Truncated == b.Truncated
		}) {
			t.Errorf("batch %s replayed with different content", k)
		}
		s.replays++
		return
	}
	s.batches[k] = lines
	s.lines = append(s.lines, lines...)
}

func (s *store) snapshot() []Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines)
}

// TestCrashReplaysInFlightBatchExactly simulates a crash while a batch is
// in flight (the process dies inside deliver, before or after the
// downstream commit): the checkpoint left on disk then is copied and a
// new tailer started from it. Its first delivery must be the same batch,
// byte for byte, and with the downstream absorbing exact replays every
// line ends up stored exactly once.
func TestCrashReplaysInFlightBatchExactly(t *testing.T) {
	tests := []struct {
		name      string
		committed bool // the downstream committed the batch before the crash
	}{
		{name: "crash after downstream commit", committed: true},
		{name: "crash before downstream commit", committed: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			const total = 3000
			var want strings.Builder
			for i := range total {
				fmt.Fprintf(&want, "line %06d\n", i)
			}
			if err := os.WriteFile(filepath.Join(dir, "a.log"), []byte(want.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := testConfig(dir)
			cfg.BatchBytes = 4096
			db := &store{batches: map[string][]Line{}}

			var crashed []Line
			crash := make(chan struct{})
			calls := 0
			first, err := New(cfg, filepath.Join(dir, "ck1.json"), func(ctx context.Context, lines []Line) error {
				if calls++; calls == 3 {
					crashed = cloneLines(lines)
					if tt.committed {
						db.write(t, crashed)
					}
					close(crash)
					<-ctx.Done() // the process is dead: it never returns on its own
					return ctx.Err()
				}
				db.write(t, cloneLines(lines))
				return nil
			}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := first.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			<-crash
			state, err := os.ReadFile(filepath.Join(dir, "ck1.json"))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := first.Shutdown(ctx); err == nil {
				t.Error("Shutdown of a tailer stuck in deliver returned nil, want the abandoned-batch error")
			}

			ck2 := filepath.Join(dir, "ck2.json")
			if err := os.WriteFile(ck2, state, 0o600); err != nil {
				t.Fatal(err)
			}
			var firstAfter []Line
			second := startTailer(t, cfg, ck2, func(_ context.Context, lines []Line) error {
				if firstAfter == nil {
					firstAfter = cloneLines(lines)
				}
				db.write(t, cloneLines(lines))
				return nil
			})
			testutil.WaitFor(t, "all lines", 20*time.Second, func() error {
				if n := len(db.snapshot()); n < total {
					return fmt.Errorf("%d lines", n)
				}
				return nil
			})
			stopTailer(t, second)
			if batchKey(firstAfter) != batchKey(crashed) {
				t.Errorf("first batch after restart %s, want the in-flight batch %s", batchKey(firstAfter), batchKey(crashed))
			}
			if st := second.Stats(); st.Replayed != int64(len(crashed)) {
				t.Errorf("replayed %d lines, want %d", st.Replayed, len(crashed))
			}
			if wantReplays := map[bool]int{true: 1}[tt.committed]; db.replays != wantReplays {
				t.Errorf("downstream saw %d exact replays, want %d", db.replays, wantReplays)
			}
			checkExactlyOnce(t, db.snapshot(), total)
		})
	}
}
