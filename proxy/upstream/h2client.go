package upstream

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
)

// h2Client sends requests to h2c (prior knowledge) endpoints over
// multiplexed connections that it opens with http.Transport.NewClientConn:
// per host, the first connection with a free stream takes the request,
// and a new one is opened when none has (the server's
// SETTINGS_MAX_CONCURRENT_STREAMS). A request is never retried behind the
// caller's back. http.Transport.RoundTrip retries a refused stream
// (RST_STREAM REFUSED_STREAM) or a GOAWAY'd request up to six times, with
// backoff of up to 32 s; Envoy instead answers 503 UR, or retries as the
// route's retryOn (refused-stream, reset, ...) says, and so does meshlens.
// Safe for concurrent use.
type h2Client struct {
	t        *http.Transport // dialing, timeouts and HTTP/2 settings; its own pool is unused
	maxConns int             // connections per host (tcp.maxConnections); 0: unlimited

	mu      sync.Mutex
	conns   map[string][]*h2Conn     // by host:port; closed ones are dropped lazily
	dialing map[string]chan struct{} // closed when the host's dial in progress ends
	retired bool
}

// h2Conn is one multiplexed connection and its local address.
type h2Conn struct {
	cc    *http.ClientConn
	local string
}

func newH2Client(t *http.Transport, maxConns int) *h2Client {
	return &h2Client{t: t, maxConns: maxConns, conns: map[string][]*h2Conn{}, dialing: map[string]chan struct{}{}}
}

// localAddrKey carries a *string through NewClientConn's context to the
// dialer, which stores the connection's local address there.
type localAddrKey struct{}

// h2cTransport is the http.Transport behind an h2Client: h2c only, dialing
// with d and recording each connection's local address.
func h2cTransport(d *net.Dialer, t *http.Transport) *http.Transport {
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			if p, ok := ctx.Value(localAddrKey{}).(*string); ok {
				*p = c.LocalAddr().String()
			}
		}
		return c, err
	}
	t.Protocols = new(http.Protocols)
	t.Protocols.SetUnencryptedHTTP2(true)
	return t
}

// roundTrip sends req (an absolute http:// URL naming the host) on a
// connection to req.URL.Host with a free stream, opening one if needed.
// Errors are the connection's: dial failures are *net.OpError with Op
// "dial", a refused stream's error names REFUSED_STREAM.
func (c *h2Client) roundTrip(req *http.Request) (*http.Response, string, error) {
	conn, err := c.reserve(req.Context(), req.URL.Host)
	if err != nil {
		return nil, "", err
	}
	resp, err := conn.cc.RoundTrip(req)
	return resp, conn.local, err
}

// reserve returns a connection to addr with a stream reserved for the
// caller's next RoundTrip, or, when addr has maxConns connections and no
// free stream, the least busy one, whose RoundTrip waits for a stream.
// Concurrent callers finding no free stream wait for one dial rather than
// each opening a connection.
func (c *h2Client) reserve(ctx context.Context, addr string) (*h2Conn, error) {
	for {
		c.mu.Lock()
		if conn := c.reserveLocked(addr); conn != nil {
			c.mu.Unlock()
			return conn, nil
		}
		if conns := c.conns[addr]; c.maxConns > 0 && len(conns) >= c.maxConns {
			least := conns[0]
			for _, conn := range conns[1:] {
				if conn.cc.InFlight() < least.cc.InFlight() {
					least = conn
				}
			}
			c.mu.Unlock()
			return least, nil
		}
		if wait, ok := c.dialing[addr]; ok {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		c.dialing[addr] = done
		c.mu.Unlock()
		conn, err := c.dial(ctx, addr)
		if err == nil {
			// Our stream first, before waiters can see the connection. A
			// connection that cannot take even one is an error, not a
			// reason to dial again (a server closing at once would loop).
			if rerr := conn.cc.Reserve(); rerr != nil {
				_ = conn.cc.Close()
				conn, err = nil, fmt.Errorf("upstream %s: new HTTP/2 connection refuses streams: %w", addr, rerr)
			}
		}
		c.mu.Lock()
		delete(c.dialing, addr)
		close(done)
		if err == nil {
			c.conns[addr] = append(c.conns[addr], conn)
		}
		c.mu.Unlock()
		return conn, err
	}
}

// reserveLocked reserves a stream on one of addr's open connections,
// dropping closed ones; nil when none has a free stream. c.mu is held.
func (c *h2Client) reserveLocked(addr string) *h2Conn {
	list := c.conns[addr]
	live := list[:0]
	var got *h2Conn
	for _, conn := range list {
		if conn.cc.Err() != nil {
			continue
		}
		live = append(live, conn)
		if got == nil && conn.cc.Reserve() == nil {
			got = conn
		}
	}
	clear(list[len(live):])
	c.conns[addr] = live
	return got
}

func (c *h2Client) dial(ctx context.Context, addr string) (*h2Conn, error) {
	conn := &h2Conn{}
	cc, err := c.t.NewClientConn(context.WithValue(ctx, localAddrKey{}, &conn.local), "http", addr)
	if err != nil {
		return nil, err
	}
	conn.cc = cc
	c.mu.Lock()
	retired := c.retired
	c.mu.Unlock()
	if retired {
		closeWhenIdle(cc, false) // not now: the caller is about to use it
	}
	return conn, nil
}

// retire closes the idle connections now and the others once their last
// request ends; so are connections opened later.
func (c *h2Client) retire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retired = true
	for _, list := range c.conns {
		for _, conn := range list {
			closeWhenIdle(conn.cc, true)
		}
	}
}

// closeWhenIdle closes cc once a request ends and none is left in
// flight, and also at once if now and cc is idle.
func closeWhenIdle(cc *http.ClientConn, now bool) {
	cc.SetStateHook(func(cc *http.ClientConn) {
		if cc.InFlight() == 0 {
			_ = cc.Close()
		}
	})
	if now && cc.InFlight() == 0 {
		_ = cc.Close()
	}
}
