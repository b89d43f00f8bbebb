package logsink

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestFileAppendFlushClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte("existing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(path, Config{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("one\n"))
	s.Write([]byte("two\n"))
	if b, _ := os.ReadFile(path); string(b) != "existing\n" {
		t.Fatalf("written before a flush: %q", b)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "existing\none\ntwo\n" {
		t.Fatalf("after Flush: %q", b)
	}
	s.Write([]byte("three\n"))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if s.Write([]byte("late\n")) {
		t.Fatal("Write after Close accepted")
	}
	if b, _ := os.ReadFile(path); string(b) != "existing\none\ntwo\nthree\n" {
		t.Fatalf("after Close: %q", b)
	}
	if st := s.Stats(); st != (Stats{Lines: 3, Dropped: 1, Written: int64(len("one\ntwo\nthree\n"))}) {
		t.Fatalf("stats %+v", st)
	}
}

func TestFlushBytesKicksAFlush(t *testing.T) {
	var out lockedBuffer
	s := New(&out, Config{FlushInterval: time.Hour, FlushBytes: 8})
	defer s.Close(context.Background())
	s.Write([]byte("0123456789\n"))
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "0123456789\n" {
		if time.Now().After(deadline) {
			t.Fatal("a full buffer was not flushed")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBoundedBufferDrops(t *testing.T) {
	var out lockedBuffer
	s := New(&out, Config{FlushInterval: time.Hour, FlushBytes: 1 << 20, MaxPendingBytes: 10})
	if !s.Write([]byte("12345\n")) || s.Write([]byte("67890\n")) {
		t.Fatal("want the first line kept and the second dropped")
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "12345\n" || s.Stats().Dropped != 1 {
		t.Fatalf("out %q, stats %+v", out.String(), s.Stats())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsReported(t *testing.T) {
	s := New(failingWriter{}, Config{FlushInterval: time.Hour})
	s.Write([]byte("x\n"))
	err := s.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush error %v", err)
	}
	if err := s.Close(context.Background()); err == nil {
		t.Fatal("Close hid the write error")
	}
	if s.Stats().WriteErrors != 1 {
		t.Fatalf("stats %+v", s.Stats())
	}
}

func TestConcurrentWritersKeepLinesWhole(t *testing.T) {
	var out lockedBuffer
	s := New(&out, Config{FlushInterval: time.Millisecond, FlushBytes: 256})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			line := []byte(strings.Repeat(string(rune('a'+g)), 20) + "\n")
			for range 500 {
				s.Write(line)
			}
		}()
	}
	wg.Wait()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2000 {
		t.Fatalf("%d lines, want 2000", len(lines))
	}
	for _, l := range lines {
		if len(l) != 20 || strings.Count(l, l[:1]) != 20 {
			t.Fatalf("torn line %q", l)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	s := New(discard{}, Config{})
	defer s.Close(context.Background())
	line := []byte(strings.Repeat("x", 300) + "\n")
	b.ReportAllocs()
	for b.Loop() {
		s.Write(line)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestReopenAfterRotation renames the file as logrotate does and reopens:
// lines written before go to the rotated file, lines after to a new file
// at the path, none lost or doubled. A stdout sink reopens as a no-op.
func TestReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	s, err := OpenFile(path, Config{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("one\n"))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("two\n")) // pending at the rename: belongs to the old file
	if err := s.Reopen(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("three\n"))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{rotated: "one\ntwo\n", path: "three\n"} {
		if b, _ := os.ReadFile(file); string(b) != want {
			t.Errorf("%s = %q, want %q", filepath.Base(file), b, want)
		}
	}

	// A path that cannot be opened any more: the error names it, and lines
	// keep going to the open file.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err = OpenFile(filepath.Join(sub, "a.log"), Config{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(sub, sub+".gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reopen(context.Background()); err == nil || !strings.Contains(err.Error(), "a.log") {
		t.Errorf("reopen of a vanished directory: %v", err)
	}
	s.Write([]byte("kept\n"))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(sub+".gone", "a.log")); string(b) != "kept\n" {
		t.Errorf("after a failed reopen: %q", b)
	}

	var buf bytes.Buffer
	s = New(&buf, Config{FlushInterval: time.Hour})
	s.Write([]byte("x\n"))
	if err := s.Reopen(context.Background()); err != nil || buf.String() != "x\n" {
		t.Errorf("stdout-style sink: reopen %v, wrote %q", err, buf.String())
	}
	s.Close(context.Background())
}
