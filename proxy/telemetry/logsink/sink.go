// Package logsink writes access-log lines to a file or stdout from a
// background goroutine, as Envoy's file access log does: lines are
// appended to an in-memory buffer and flushed periodically (Envoy's
// default file_flush_interval is 1s) or when enough has accumulated, so a
// request never waits on disk. The buffer is bounded; lines that do not
// fit are dropped and counted.
package logsink

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshlens/meshlens/proxy/telemetry/internal/ack"
)

// Config configures a Sink. Zero values take the defaults noted.
type Config struct {
	// FlushInterval is the longest a line waits in memory (default 1s).
	FlushInterval time.Duration
	// FlushBytes starts a flush early once this much is pending
	// (default 64 KiB).
	FlushBytes int
	// MaxPendingBytes bounds memory: a line that would take the pending
	// bytes past it is dropped (default 8 MiB).
	MaxPendingBytes int
}

// Stats counts a Sink's lines since New.
type Stats struct {
	Lines       int64 // accepted by Write
	Dropped     int64 // refused: buffer full or sink closed
	Written     int64 // bytes written to the destination
	WriteErrors int64 // failed writes (their bytes are lost)
}

// Sink is a buffered, asynchronous line writer. Its methods are safe for
// concurrent use.
type Sink struct {
	cfg    Config
	w      io.Writer // only the loop goroutine uses w and closer after New
	closer io.Closer // the file opened by OpenFile, else nil
	path   string    // the file's path (OpenFile), else ""

	mu      sync.Mutex
	pending []byte
	spare   []byte
	closed  bool

	kick    chan struct{}
	flushC  chan chan error
	reopenC chan chan error
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	lines, dropped, written, writeErrors atomic.Int64
	lastErr                              atomic.Pointer[error]
}

// New starts a Sink writing to w. The Sink does not close w.
func New(w io.Writer, cfg Config) *Sink {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.FlushBytes <= 0 {
		cfg.FlushBytes = 64 << 10
	}
	if cfg.MaxPendingBytes <= 0 {
		cfg.MaxPendingBytes = 8 << 20
	}
	s := &Sink{
		cfg:     cfg,
		w:       w,
		pending: make([]byte, 0, cfg.FlushBytes*2),
		spare:   make([]byte, 0, cfg.FlushBytes*2),
		kick:    make(chan struct{}, 1),
		flushC:  make(chan chan error),
		reopenC: make(chan chan error),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go s.loop()
	return s
}

// OpenFile starts a Sink appending to the file at path (created 0644 if
// absent); Close closes the file.
func OpenFile(path string, cfg Config) (*Sink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("logsink: open %s: %w", path, err)
	}
	s := New(f, cfg)
	s.closer, s.path = f, path
	return s, nil
}

// Reopen writes what is pending to the file, closes it and opens its path
// again (created if absent), as Envoy does on SIGUSR1 or POST
// /reopen_logs: after logrotate renames the file, later lines go to a new
// one. It waits for that, or for ctx. A Sink not made by OpenFile has
// nothing to reopen. If the path cannot be opened, lines keep going to
// the old file and the error is returned.
func (s *Sink) Reopen(ctx context.Context) error {
	return ack.Request(ctx, s.reopenC, s.done)
}

// reopen runs on the loop goroutine.
func (s *Sink) reopen() error {
	err := s.flush()
	if s.path == "" {
		return err
	}
	f, oerr := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if oerr != nil {
		return fmt.Errorf("logsink: reopen %s: %w", s.path, oerr)
	}
	old := s.closer
	s.w, s.closer = f, f
	if cerr := old.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("logsink: close the rotated %s: %w", s.path, cerr)
	}
	return err
}

// Write queues one line (with its newline) without blocking on I/O; the
// bytes are copied. It reports false, counting a drop, when the buffer
// is full or the Sink is closed.
func (s *Sink) Write(line []byte) bool {
	s.mu.Lock()
	if s.closed || len(s.pending)+len(line) > s.cfg.MaxPendingBytes {
		s.mu.Unlock()
		s.dropped.Add(1)
		return false
	}
	s.pending = append(s.pending, line...)
	full := len(s.pending) >= s.cfg.FlushBytes
	s.mu.Unlock()
	s.lines.Add(1)
	if full {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return true
}

// Flush writes what is pending now and waits for it, or for ctx. It
// returns the write error, if any.
func (s *Sink) Flush(ctx context.Context) error {
	return ack.Request(ctx, s.flushC, s.done)
}

// Close stops accepting lines, writes what is pending and closes the
// file opened by OpenFile. It is idempotent; later calls return nil once
// the first has finished.
func (s *Sink) Close(ctx context.Context) error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.stop)
	})
	select {
	case <-s.done:
	case <-ctx.Done():
		return fmt.Errorf("logsink: close: %w", ctx.Err())
	}
	if p := s.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Stats returns the counters; safe to call at any time.
func (s *Sink) Stats() Stats {
	return Stats{Lines: s.lines.Load(), Dropped: s.dropped.Load(), Written: s.written.Load(),
		WriteErrors: s.writeErrors.Load()}
}

func (s *Sink) loop() {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.flush()
		case <-s.kick:
			s.flush()
		case ack := <-s.flushC:
			ack <- s.flush()
		case ack := <-s.reopenC:
			ack <- s.reopen()
		case <-s.stop:
			err := s.flush()
			if s.closer != nil {
				if cerr := s.closer.Close(); cerr != nil && err == nil {
					err = fmt.Errorf("logsink: close: %w", cerr)
					s.lastErr.Store(&err)
				}
			}
			return
		}
	}
}

// flush swaps the buffers and writes outside the lock, so writers wait
// only for the swap.
func (s *Sink) flush() error {
	s.mu.Lock()
	buf := s.pending
	s.pending = s.spare[:0]
	s.mu.Unlock()
	var err error
	if len(buf) > 0 {
		var n int
		n, err = s.w.Write(buf)
		s.written.Add(int64(n))
		if err == nil && n < len(buf) {
			err = io.ErrShortWrite
		}
		if err != nil {
			s.writeErrors.Add(1)
			err = fmt.Errorf("logsink: write %d bytes: %w", len(buf), err)
			s.lastErr.Store(&err)
		}
	}
	if cap(buf) > 32*s.cfg.FlushBytes { // do not keep a burst's buffer forever
		buf = make([]byte, 0, 2*s.cfg.FlushBytes)
	}
	s.mu.Lock()
	s.spare = buf[:0]
	s.mu.Unlock()
	return err
}
