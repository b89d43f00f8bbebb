package tail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
)

func TestRotationByRename(t *testing.T) {
	dir := t.TempDir()
	s := &sink{}
	tl := startTailer(t, testConfig(dir), filepath.Join(dir, "ck.json"), s.deliver)
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, "1\n2\n")
	s.waitTexts(t, false, "1", "2")

	// The writer keeps its descriptor across the rename, as Envoy does
	// until it reopens its logs.
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.WriteString("3\n")
	if err := os.Rename(path, filepath.Join(dir, "a.log.1")); err != nil {
		t.Fatal(err)
	}
	w.WriteString("4\n")
	appendFile(t, path, "5\n")
	got := s.waitTexts(t, true, "1", "2", "3", "4", "5")
	for _, l := range got {
		if want := map[bool]string{true: "a.log"}[string(l.Text) == "5"]; want != "" && filepath.Base(l.File) != want {
			t.Errorf("line 5 from %s, want the new a.log", l.File)
		}
	}
	testutil.WaitFor(t, "the rotated file closed", 10*time.Second, func() error {
		if st := tl.Stats(); st.RotatedClosed != 1 || st.Files != 1 {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
}

func TestCopyTruncate(t *testing.T) {
	tests := []struct {
		name        string
		include     string
		wantUnread  bool // the line written just before the copy is delivered
		wantRotated bool
	}{
		// Without the copy, lines written between the last read and the
		// truncation may be lost: copytruncate's own window.
		{name: "copy not matched", include: "*.log"},
		// With the copy matched, it is read from where the original was left.
		{name: "copy matched", include: "*.log*", wantUnread: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Include = []string{filepath.Join(dir, tt.include)}
			s := &sink{}
			tl := startTailer(t, cfg, filepath.Join(dir, "ck.json"), s.deliver)
			path := filepath.Join(dir, "a.log")
			appendFile(t, path, pad("1")+"\n"+pad("2")+"\n")
			s.waitTexts(t, false, pad("1"), pad("2"))

			appendFile(t, path, pad("2b")+"\n")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "a.log.1"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			appendFile(t, path, pad("3")+"\n")

			testutil.WaitFor(t, "line 3", 10*time.Second, func() error {
				for _, l := range s.snapshot() {
					if string(l.Text) == pad("3") {
						return nil
					}
				}
				return errors.New("not yet")
			})
			waitPolls(t, s, dir)
			got := texts(withoutMarkers(s.snapshot()))
			counts := map[string]int{}
			for _, g := range got {
				counts[strings.TrimSpace(strings.TrimSuffix(g, "|"))]++
			}
			for _, l := range []string{"1", "2", "3"} {
				if counts[l] != 1 {
					t.Errorf("line %s delivered %d times; all: %q", l, counts[l], got)
				}
			}
			if counts["2b"] > 1 || tt.wantUnread && counts["2b"] != 1 {
				t.Errorf("line 2b delivered %d times; all: %q", counts["2b"], got)
			}
			if st := tl.Stats(); st.Truncations != 1 {
				t.Errorf("truncations = %d, want 1", st.Truncations)
			}
		})
	}
}

func TestManyFilesViaGlob(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Exclude = []string{"*.gz.log"}
	cfg.BatchBytes = 512 // many batches, each spanning files
	s := &sink{}
	startTailer(t, cfg, filepath.Join(dir, "ck.json"), s.deliver)
	const files, lines = 30, 40
	var want []string
	for i := range lines {
		for f := range files {
			text := fmt.Sprintf("f%02d-l%03d", f, i)
			appendFile(t, filepath.Join(dir, fmt.Sprintf("f%02d.log", f)), text+"\n")
			want = append(want, text)
		}
	}
	appendFile(t, filepath.Join(dir, "old.gz.log"), "excluded\n")
	got := s.waitTexts(t, true, want...)
	next := map[string]int64{}
	for _, l := range got {
		if l.Offset != next[l.File] {
			t.Fatalf("%s: line at %d, want %d (out of order or gap)", l.File, l.Offset, next[l.File])
		}
		next[l.File] = l.End
	}
}

func TestPartialLineWaitsForNewline(t *testing.T) {
	dir := t.TempDir()
	s := &sink{}
	startTailer(t, testConfig(dir), filepath.Join(dir, "ck.json"), s.deliver)
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, "first\nsec")
	waitPolls(t, s, dir) // the tailer has seen "sec" without its newline
	appendFile(t, path, "ond\n")
	waitPolls(t, s, dir)
	if got := texts(withoutMarkers(s.snapshot())); strings.Join(got, ",") != "first,second" {
		t.Fatalf("got %q, want first,second", got)
	}
}

func TestLongLine(t *testing.T) {
	long := strings.Repeat("x", DefaultMaxLineBytes+DefaultMaxLineBytes/2)
	tests := []struct {
		name   string
		pieces []string
	}{
		{name: "written at once", pieces: []string{"short1\n" + long + "\nshort2\n"}},
		{name: "written across polls", pieces: []string{"short1\n" + long[:700<<10], long[700<<10:] + "\nshort2\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &sink{}
			tl := startTailer(t, testConfig(dir), filepath.Join(dir, "ck.json"), s.deliver)
			for _, p := range tt.pieces {
				appendFile(t, filepath.Join(dir, "a.log"), p)
				waitPolls(t, s, dir)
			}
			got := withoutMarkers(s.snapshot())
			if len(got) != 3 || string(got[0].Text) != "short1" || string(got[2].Text) != "short2" {
				t.Fatalf("got %d lines, want short1, the long line, short2", len(got))
			}
			l := got[1]
			if !l.Truncated || len(l.Text) != DefaultMaxLineBytes || l.Offset != 7 || l.End != int64(7+len(long)+1) {
				t.Fatalf("long line: truncated=%v len=%d [%d,%d)", l.Truncated, len(l.Text), l.Offset, l.End)
			}
			if st := tl.Stats(); st.TruncatedLines != 1 {
				t.Errorf("stats: %+v", st)
			}
		})
	}
}

func TestDeliverFailsThenSucceeds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, "a\nb\nc\n")
	s := &sink{fail: func(call int, _ []Line) error {
		if call <= 3 {
			return fmt.Errorf("downstream unavailable (call %d)", call)
		}
		return nil
	}}
	tl := startTailer(t, testConfig(dir), filepath.Join(dir, "ck.json"), s.deliver)
	s.waitTexts(t, false, "a", "b", "c")
	s.mu.Lock()
	attempts := s.attempts
	s.mu.Unlock()
	for i, a := range attempts[:4] {
		if strings.Join(texts(a), ",") != "a,b,c" || a[0].Offset != 0 || a[2].End != 6 {
			t.Errorf("attempt %d delivered %q, want the same batch a,b,c", i+1, texts(a))
		}
	}
	if st := tl.Stats(); st.DeliverRetries != 3 || st.Lines != 3 || st.Batches != 1 {
		t.Errorf("stats: %+v", st)
	}
}

func TestStartAt(t *testing.T) {
	tests := []struct {
		startAt string
		want    []string
	}{
		// "end" skips complete lines only: the line being written is whole.
		{startAt: StartAtEnd, want: []string{"partial-done", "new"}},
		{startAt: StartAtBeginning, want: []string{"old1", "old2", "partial-done", "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.startAt, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "a.log")
			appendFile(t, path, "old1\nold2\npartial")
			cfg := testConfig(dir)
			cfg.StartAt = tt.startAt
			s := &sink{}
			startTailer(t, cfg, filepath.Join(dir, "ck.json"), s.deliver)
			appendFile(t, path, "-done\nnew\n")
			s.waitTexts(t, false, tt.want...)
			// A file created after the start is read from its beginning.
			appendFile(t, filepath.Join(dir, "b.log"), "b1\n")
			s.waitTexts(t, false, append(tt.want, "b1")...)
		})
	}
}

func TestCheckpointIsLocked(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.json")
	startTailer(t, testConfig(dir), ck, (&sink{}).deliver)
	second, err := New(testConfig(dir), ck, (&sink{}).deliver, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "another tailer") {
		t.Fatalf("second Start on one checkpoint: %v, want a lock error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{name: "minimal", cfg: Config{Include: []string{"/var/log/*.log"}}},
		{name: "no include", cfg: Config{}, want: "include"},
		{name: "bad glob", cfg: Config{Include: []string{"/var/log/[.log"}}, want: "include[0]"},
		{name: "bad exclude", cfg: Config{Include: []string{"*.log"}, Exclude: []string{"["}}, want: "exclude[0]"},
		{name: "start_at", cfg: Config{Include: []string{"*.log"}, StartAt: "middle"}, want: "start_at"},
		{name: "negative poll", cfg: Config{Include: []string{"*.log"}, PollInterval: -1}, want: "poll_interval"},
		{name: "negative max line", cfg: Config{Include: []string{"*.log"}, MaxLineBytes: -1}, want: "max_line_bytes"},
		{name: "retry order", cfg: Config{Include: []string{"*.log"}, RetryInitial: time.Second, RetryMax: time.Millisecond}, want: "retry_max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
	if d := (Config{Include: []string{"x"}}).withDefaults(); d.MaxLineBytes != DefaultMaxLineBytes || d.StartAt != StartAtEnd || d.PollInterval != DefaultPollInterval {
		t.Errorf("defaults: %+v", d)
	}
}

// TestAnyBytesAreLines checks that content never stops the tailer: each
// case is followed by a good line that must arrive too.
func TestAnyBytesAreLines(t *testing.T) {
	tests := []struct {
		name    string
		written string
		want    []string
	}{
		{name: "binary garbage", written: "\x00\x01\xff\xfe\x1b[31m\n", want: []string{"\x00\x01\xff\xfe\x1b[31m"}},
		{name: "invalid utf-8", written: "caf\xe9 \xc3\x28\n", want: []string{"caf\xe9 \xc3\x28"}},
		{name: "crlf is kept", written: "a\r\n", want: []string{"a\r"}},
		{name: "empty lines", written: "\n\n", want: []string{"", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &sink{}
			startTailer(t, testConfig(dir), filepath.Join(dir, "ck.json"), s.deliver)
			appendFile(t, filepath.Join(dir, "a.log"), tt.written+"good\n")
			s.waitTexts(t, false, append(tt.want, "good")...)
		})
	}
}
