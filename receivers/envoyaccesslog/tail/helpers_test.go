package tail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
)

// sink is a deliver function that keeps copies of what it was given.
type sink struct {
	mu       sync.Mutex
	lines    []Line   // committed, in delivery order
	attempts [][]Line // every call, including failed ones
	// fail, when set, is asked first; its error is returned as deliver's.
	fail func(call int, lines []Line) error
}

func (s *sink) deliver(_ context.Context, lines []Line) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := cloneLines(lines)
	s.attempts = append(s.attempts, batch)
	if s.fail != nil {
		if err := s.fail(len(s.attempts), batch); err != nil {
			return err
		}
	}
	s.lines = append(s.lines, batch...)
	return nil
}

func cloneLines(lines []Line) []Line {
	out := make([]Line, len(lines))
	for i, l := range lines {
		l.Text = slices.Clone(l.Text)
		out[i] = l
	}
	return out
}

func (s *sink) snapshot() []Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines)
}

func texts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = string(l.Text)
	}
	return out
}

// waitTexts waits until the sink holds exactly want (in any order when
// sorted is set), failing on a mismatch once as many lines arrived.
func (s *sink) waitTexts(t *testing.T, sorted bool, want ...string) []Line {
	t.Helper()
	var got []Line
	testutil.WaitFor(t, fmt.Sprintf("%d lines", len(want)), 10*time.Second, func() error {
		got = s.snapshot()
		if len(got) < len(want) {
			return fmt.Errorf("got %d lines: %q", len(got), texts(got))
		}
		return nil
	})
	g := texts(got)
	w := slices.Clone(want)
	if sorted {
		slices.Sort(g)
		slices.Sort(w)
	}
	if !slices.Equal(g, w) {
		t.Fatalf("lines:\n got %q\nwant %q", g, w)
	}
	return got
}

// testConfig polls fast and retries fast.
func testConfig(dir string) Config {
	return Config{
		Include:            []string{filepath.Join(dir, "*.log")},
		StartAt:            StartAtBeginning,
		PollInterval:       5 * time.Millisecond,
		RetryInitial:       time.Millisecond,
		RetryMax:           5 * time.Millisecond,
		RotatedIdleTimeout: 50 * time.Millisecond,
	}
}

// startTailer starts a tailer that is shut down at the end of the test.
func startTailer(t testing.TB, cfg Config, checkpoint string, deliver func(context.Context, []Line) error) *Tailer {
	t.Helper()
	tl, err := New(cfg, checkpoint, deliver, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopTailer(t, tl) })
	return tl
}

// testLogger logs to the test's output (shown with -v or on failure).
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func stopTailer(t testing.TB, tl *Tailer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tl.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

func appendFile(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// pad makes a line long enough for fingerprints to tell files apart.
func pad(s string) string { return fmt.Sprintf("%-80s|", s) }

// waitPolls returns once the tailer has certainly examined its files twice
// after the call: a marker line written to a separate file must arrive
// twice in a row.
func waitPolls(t *testing.T, s *sink, dir string) {
	t.Helper()
	for i := range 2 {
		marker := fmt.Sprintf("marker-%d-%d", time.Now().UnixNano(), i)
		appendFile(t, filepath.Join(dir, "zz-marker.log"), marker+"\n")
		testutil.WaitFor(t, marker, 10*time.Second, func() error {
			for _, l := range s.snapshot() {
				if string(l.Text) == marker {
					return nil
				}
			}
			return fmt.Errorf("%s not delivered", marker)
		})
	}
}

// withoutMarkers drops waitPolls' lines.
func withoutMarkers(lines []Line) []Line {
	return slices.DeleteFunc(lines, func(l Line) bool { return filepath.Base(l.File) == "zz-marker.log" })
}
