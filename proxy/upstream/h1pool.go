package upstream

import (
	"context"
	"net"
	"sync"
	"time"
)

// h1Client is an HTTP/1.1 plaintext client that writes each request and
// reads its response headers on the calling goroutine, over a per-host
// pool of idle keep-alive connections. net/http's Transport instead hands
// every request to two goroutines per connection; on a small machine the
// hand-offs add tens to hundreds of microseconds at the tail.
//
// It is safe for concurrent use. Limits on concurrent requests and
// connections are the Cluster's (Acquire); the client only bounds idle
// connections.
type h1Client struct {
	dialer      net.Dialer
	idleTimeout time.Duration // idle connections older than this are closed
	maxIdle     int           // idle connections kept per host
	maxUses     int           // requests per connection; 0: unlimited
	maxHeader   int64         // response header block limit, bytes

	mu      sync.Mutex
	idle    map[string][]*h1Conn // by host address, most recently used last
	retired bool                 // the cluster was replaced: pool nothing more
	reaper  *time.Timer          // armed while connections are idle: closes them at their timeout
}

// h1Options configures an h1Client; zero values take defaults.
type h1Options struct {
	ConnectTimeout time.Duration // default 10s
	IdleTimeout    time.Duration // default 1h
	MaxIdlePerHost int           // default 1024
	MaxUses        int           // 0: unlimited
	MaxHeaderBytes int64         // default 1 MiB
}

func newH1Client(o h1Options) *h1Client {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = time.Hour
	}
	if o.MaxIdlePerHost <= 0 {
		o.MaxIdlePerHost = 1024
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 1 << 20
	}
	return &h1Client{
		dialer:      net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second},
		idleTimeout: o.IdleTimeout,
		maxIdle:     o.MaxIdlePerHost,
		maxUses:     o.MaxUses,
		maxHeader:   o.MaxHeaderBytes,
		idle:        map[string][]*h1Conn{},
	}
}

// get returns an idle connection to host, or dials one. reused reports a
// pooled connection. fresh skips the pool. Dial errors are *net.OpError
// with Op "dial".
func (p *h1Client) get(ctx context.Context, host string, fresh bool) (c *h1Conn, reused bool, err error) {
	if !fresh {
		for {
			c = p.popIdle(host)
			if c == nil {
				break
			}
			if time.Since(c.idleAt) < p.idleTimeout && connAlive(c.nc) {
				return c, true, nil
			}
			c.close()
		}
	}
	nc, err := p.dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	return newH1Conn(nc), false, nil
}

func (p *h1Client) popIdle(host string) *h1Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.idle[host]
	if len(l) == 0 {
		return nil
	}
	c := l[len(l)-1]
	l[len(l)-1] = nil
	p.idle[host] = l[:len(l)-1]
	return c
}

// put returns a connection whose last response was read to the end. It
// closes it instead when the pool is full or retired, and closes
// connections idle past the timeout (the oldest are first in the list).
func (p *h1Client) put(host string, c *h1Conn) {
	now := time.Now()
	c.idleAt = now
	var stale []*h1Conn
	p.mu.Lock()
	l := p.idle[host]
	n := 0
	for n < len(l) && now.Sub(l[n].idleAt) >= p.idleTimeout {
		n++
	}
	if n > 0 {
		stale = append(stale, l[:n]...)
		l = append(l[:0], l[n:]...)
		clear(l[len(l):cap(l)][:n])
	}
	keep := !p.retired && len(l) < p.maxIdle
	if keep {
		l = append(l, c)
		if p.reaper == nil {
			p.reaper = time.AfterFunc(p.idleTimeout, p.reap)
		}
	}
	p.idle[host] = l
	p.mu.Unlock()
	if !keep {
		c.close()
	}
	for _, s := range stale {
		s.close()
	}
}

// reap closes the connections idle for idleTimeout, so that a host no
// longer called does not keep its sockets, and re-arms itself for the
// next one due while any stays idle.
func (p *h1Client) reap() {
	now := time.Now()
	var stale []*h1Conn
	var next time.Time // earliest idleAt left
	p.mu.Lock()
	for host, l := range p.idle {
		n := 0
		for n < len(l) && now.Sub(l[n].idleAt) >= p.idleTimeout {
			n++
		}
		stale = append(stale, l[:n]...)
		l = append(l[:0], l[n:]...)
		clear(l[len(l):cap(l)][:n])
		if len(l) == 0 {
			delete(p.idle, host)
			continue
		}
		p.idle[host] = l
		if next.IsZero() || l[0].idleAt.Before(next) {
			next = l[0].idleAt
		}
	}
	p.reaper = nil
	if !next.IsZero() && !p.retired {
		p.reaper = time.AfterFunc(next.Add(p.idleTimeout).Sub(now), p.reap)
	}
	p.mu.Unlock()
	for _, c := range stale {
		c.close()
	}
}

// retire closes the idle connections; connections coming back later are
// closed rather than pooled. Requests keep working (on new connections).
func (p *h1Client) retire() {
	p.mu.Lock()
	p.retired = true
	if p.reaper != nil {
		p.reaper.Stop()
		p.reaper = nil
	}
	idle := p.idle
	p.idle = map[string][]*h1Conn{}
	p.mu.Unlock()
	for _, l := range idle {
		for _, c := range l {
			c.close()
		}
	}
}

// idleCount is the number of pooled connections to host, for tests.
func (p *h1Client) idleCount(host string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle[host])
}
