package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// h1Body is a response body read by the caller. At EOF its connection
// goes back to the pool when it can carry another request; an early
// Close or a read error closes the connection instead of draining it.
// Read and Close must not be called concurrently; to abort a read from
// another goroutine, cancel the request's context.
type h1Body struct {
	p     *h1Client
	c     *h1Conn
	host  string
	inner io.ReadCloser
	stop  func() bool // stops the context watch; nil when none
	wrote chan error  // the body writer's result; nil when written inline
	ctx   context.Context
	keep  bool // the connection may carry another request
	done  bool
	err   error // returned by reads after the end
}

// Read reads the response body; errors after the context ended wrap the
// context's error.
func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, b.err
	}
	n, err := b.inner.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
		b.err = io.EOF
	case err != nil:
		if cerr := b.ctx.Err(); cerr != nil {
			err = fmt.Errorf("upstream %s: read body: %w (%w)", b.host, cerr, err)
		} else {
			err = fmt.Errorf("upstream %s: read body: %w", b.host, err)
		}
		b.finish(false)
		b.err = err
	}
	return n, err
}

// Close ends the body; before EOF it closes the connection.
func (b *h1Body) Close() error {
	if !b.done {
		b.finish(false)
		b.err = errors.New("upstream: read on closed response body")
	}
	return nil
}

// finish releases the connection once: to the pool when the response
// ended cleanly, the request was fully written and the context watch did
// not fire; else it closes it.
func (b *h1Body) finish(eof bool) {
	if b.done {
		return
	}
	b.done = true
	ok := eof && b.keep
	if b.stop != nil && !b.stop() {
		ok = false // the deadline was (or is being) forced into the past
	}
	if b.wrote != nil && ok {
		// The writer is usually just returning: the upstream read the
		// whole request before it finished answering. If it is still
		// writing after earlyWait, the upstream answered early.
		t := time.NewTimer(earlyWait)
		select {
		case err := <-b.wrote:
			ok = err == nil
		case <-t.C:
			ok = false
		}
		t.Stop()
	}
	if ok {
		b.p.put(b.host, b.c)
		return
	}
	b.c.close()
}
