package upstream

import (
	"bufio"
	"errors"
	"math"
	"net"
	"time"
)

// errHeaderTooLarge is returned when a response's header block exceeds
// the client's limit.
var errHeaderTooLarge = errors.New("upstream: response headers too large")

// h1Conn is one pooled HTTP/1.1 connection. Only the goroutine that took
// it from the pool uses it, except that a request body may be written by
// a helper goroutine (see h1Client.exchange) and that Close and
// SetDeadline may be called from a context's AfterFunc.
type h1Conn struct {
	nc     net.Conn
	br     *bufio.Reader // reads from the h1Conn itself, to enforce limit
	bw     *bufio.Writer
	local  string    // nc.LocalAddr().String(), computed once
	uses   int       // requests sent on the connection
	idleAt time.Time // when it last went back to the pool
	limit  int64     // bytes the reader may still take from nc
}

func newH1Conn(nc net.Conn) *h1Conn {
	c := &h1Conn{nc: nc, limit: math.MaxInt64}
	if a := nc.LocalAddr(); a != nil {
		c.local = a.String()
	}
	c.br = bufio.NewReaderSize(c, 4<<10)
	c.bw = bufio.NewWriterSize(nc, 4<<10)
	return c
}

// Read reads from the network connection, at most limit bytes in all, so
// a response header block cannot grow without bound.
func (c *h1Conn) Read(p []byte) (int, error) {
	if c.limit <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > c.limit {
		p = p[:c.limit]
	}
	n, err := c.nc.Read(p)
	c.limit -= int64(n)
	return n, err
}

// close closes the network connection; safe to call more than once.
func (c *h1Conn) close() { _ = c.nc.Close() }

// aLongTimeAgo is a deadline in the past: setting it makes blocked reads
// and writes on a connection return at once.
var aLongTimeAgo = time.Unix(1, 0)
