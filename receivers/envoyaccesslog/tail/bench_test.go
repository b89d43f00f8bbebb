package tail

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// benchLine is an Istio-style access-log line (about 400 bytes).
const benchLine = `[2026-11-29T10:00:00.000Z] "GET /api/v1/products/%07d HTTP/1.1" 200 - via_upstream - "-" 0 4562 12 11 "10.244.0.7" "Mozilla/5.0 (X11; Linux x86_64)" "6d67d674-3b1d-9c4c-a2f5-4c1e0f0a9b2d" "productpage:9080" "10.244.0.9:9080" inbound|9080|| 127.0.0.6:51795 10.244.0.9:9080 10.244.0.7:40334 outbound_.9080_._.productpage.default.svc.cluster.local default` + "\n"

// benchFile writes n lines to a file in a fresh directory.
func benchFile(b *testing.B, n int) (dir, path string, size int64) {
	b.Helper()
	dir = b.TempDir()
	path = filepath.Join(dir, "a.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		fmt.Fprintf(w, benchLine, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return dir, path, st.Size()
}

func reportLines(b *testing.B, perOp int) {
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkRead reads a large file three ways: the tailer's line reader
// alone, the whole Tailer (batches, checkpoint writes with fsync, a no-op
// deliver), and bufio.Scanner as the baseline.
func BenchmarkRead(b *testing.B) {
	const n = 100_000
	dir, path, size := benchFile(b, n)

	b.Run("bufio.Scanner", func(b *testing.B) {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			f.Seek(0, 0)
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, readChunk), DefaultMaxLineBytes)
			lines := 0
			for sc.Scan() {
				lines++
			}
			if lines != n {
				b.Fatalf("%d lines, want %d", lines, n)
			}
		}
		reportLines(b, n)
	})

	b.Run("lineReader", func(b *testing.B) {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			rd := newLineReader(f, DefaultMaxLineBytes, 0)
			lines := 0
			for {
				_, ok, err := rd.next()
				if err != nil {
					b.Fatal(err)
				}
				if !ok {
					break
				}
				if lines++; lines%2048 == 0 {
					rd.release() // as a committed batch does
				}
			}
			rd.release()
			if lines != n {
				b.Fatalf("%d lines, want %d", lines, n)
			}
		}
		reportLines(b, n)
	})

	b.Run("Tailer", func(b *testing.B) {
		cfg := Config{Include: []string{path}, StartAt: StartAtBeginning, PollInterval: time.Millisecond}
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			ckDir, err := os.MkdirTemp(dir, "ck") // a fresh checkpoint: read the file from its start
			if err != nil {
				b.Fatal(err)
			}
			var lines atomic.Int64
			all := make(chan struct{})
			tl, err := New(cfg, filepath.Join(ckDir, "ck.json"), func(_ context.Context, batch []Line) error {
				if lines.Add(int64(len(batch))) == n {
					close(all)
				}
				return nil
			}, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := tl.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			select {
			case <-all:
			case <-time.After(time.Minute):
				b.Fatalf("%d of %d lines after a minute", lines.Load(), n)
			}
			if err := tl.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		reportLines(b, n)
	})
}
