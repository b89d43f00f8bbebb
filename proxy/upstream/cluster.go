package upstream

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ErrOverflow is returned by Acquire when a circuit breaker is open: Envoy
// answers 503 with response flag UO and details "overflow".
var ErrOverflow = errors.New("upstream: circuit breaker overflow")

// Cluster is a live cluster: its hosts, its connection pool and its
// circuit-breaker counters. Methods are safe for concurrent use. A Cluster
// replaced by a config reload keeps working for requests already using it.
type Cluster struct {
	Spec
	hosts []*Host
	h1    *h1Client // HTTP/1.1 plaintext endpoints
	h2    *h2Client // HTTP/2 (h2c) endpoints; nil when h1 is set

	active  atomic.Int64 // requests in flight (http2MaxRequests)
	pending atomic.Int64 // requests waiting for a connection slot
	retries atomic.Int64 // retries in flight (maxRetries)
	connSem chan struct{}
	rr      atomic.Uint64

	outlierMu sync.Mutex
	epoch     time.Time // origin of the outlier sweep grid

	overflows atomic.Int64
}

func newCluster(s Spec, prev *Cluster) *Cluster {
	c := &Cluster{Spec: s, epoch: time.Now()}
	old := map[string]*Host{}
	if prev != nil {
		c.epoch = prev.epoch
		for _, h := range prev.hosts {
			old[h.Address] = h
		}
	}
	for _, e := range s.Endpoints {
		h := &Host{Endpoint: e}
		if o := old[e.Address]; o != nil { // keep health across reloads
			h.ejectedUntil.Store(o.ejectedUntil.Load())
			h.ejections.Store(o.ejections.Load())
			h.consec5xx.Store(o.consec5xx.Load())
			h.consecGw.Store(o.consecGw.Load())
		}
		c.hosts = append(c.hosts, h)
	}
	p := s.Policy
	if p.MaxConnections > 0 && !p.HTTP2 {
		c.connSem = make(chan struct{}, p.MaxConnections)
	}
	if p.HTTP2 {
		c.h2 = newH2Client(newTransport(p), p.MaxConnections)
	} else {
		c.h1 = newH1Client(h1Options{ConnectTimeout: p.ConnectTimeout, IdleTimeout: p.IdleTimeout,
			MaxIdlePerHost: p.MaxConnections, MaxUses: p.MaxRequestsPerConnection})
	}
	return c
}

// newTransport is the http.Transport behind an h2c cluster's h2Client:
// its dialer, timeouts and HTTP/2 settings (not its pool).
func newTransport(p Policy) *http.Transport {
	ct := p.ConnectTimeout
	if ct <= 0 {
		ct = 10 * time.Second
	}
	idle := p.IdleTimeout
	if idle <= 0 {
		idle = time.Hour
	}
	return h2cTransport(&net.Dialer{Timeout: ct, KeepAlive: 30 * time.Second}, &http.Transport{
		Proxy:                  nil,
		IdleConnTimeout:        idle,
		DisableCompression:     true, // pass bodies through untouched
		MaxResponseHeaderBytes: 1 << 20,
	})
}

// Hosts returns the cluster's hosts; the slice must not be modified.
func (c *Cluster) Hosts() []*Host { return c.hosts }

// Close releases the cluster's idle connections; connections in use are
// closed when their requests end. Requests may still be sent (on new
// connections). Manager closes the clusters it replaces or drops.
func (c *Cluster) Close() {
	if c.h1 != nil {
		c.h1.retire()
	}
	if c.h2 != nil {
		c.h2.retire()
	}
}

// Acquire admits one request through the circuit breakers: in-flight
// requests (http2MaxRequests), then a connection slot (tcp.maxConnections),
// waiting as a pending request (http1MaxPendingRequests) when none is free.
// It returns ErrOverflow when a limit is hit, or ctx's error while waiting.
// Every nil return must be paired with one Release.
func (c *Cluster) Acquire(ctx context.Context) error {
	p := &c.Policy
	if n := c.active.Add(1); p.MaxRequests > 0 && n > int64(p.MaxRequests) {
		c.active.Add(-1)
		c.overflows.Add(1)
		return ErrOverflow
	}
	if c.connSem == nil {
		return nil
	}
	select {
	case c.connSem <- struct{}{}:
		return nil
	default:
	}
	if n := c.pending.Add(1); p.MaxPendingRequests > 0 && n > int64(p.MaxPendingRequests) {
		c.pending.Add(-1)
		c.active.Add(-1)
		c.overflows.Add(1)
		return ErrOverflow
	}
	defer c.pending.Add(-1)
	select {
	case c.connSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		c.active.Add(-1)
		return ctx.Err()
	}
}

// Release ends a request admitted by Acquire.
func (c *Cluster) Release() {
	if c.connSem != nil {
		<-c.connSem
	}
	c.active.Add(-1)
}

// TryRetry admits one retry through the maxRetries breaker; a true return
// must be paired with DoneRetry.
func (c *Cluster) TryRetry() bool {
	if n := c.retries.Add(1); c.Policy.MaxRetries > 0 && n > int64(c.Policy.MaxRetries) {
		c.retries.Add(-1)
		return false
	}
	return true
}

// DoneRetry ends a retry admitted by TryRetry.
func (c *Cluster) DoneRetry() { c.retries.Add(-1) }

// Pick chooses a healthy host by the cluster's LB policy, avoiding the hosts
// in tried when another healthy host exists (Istio's default
// previous-hosts retry predicate). nil means no healthy host (flag UH).
func (c *Cluster) Pick(tried []*Host) *Host {
	n := len(c.hosts)
	if n == 0 {
		return nil
	}
	now := time.Now()
	panicMode := c.panicMode(now)
	ok := func(h *Host) bool {
		if !panicMode && h.Ejected(now) {
			return false
		}
		for _, t := range tried {
			if t == h {
				return false
			}
		}
		return true
	}
	if h := c.pick(ok); h != nil {
		return h
	}
	if len(tried) > 0 { // every other host is out: reuse a tried one
		return c.pick(func(h *Host) bool { return panicMode || !h.Ejected(now) })
	}
	return nil
}

func (c *Cluster) pick(ok func(*Host) bool) *Host {
	hs := c.hosts
	n := len(hs)
	switch c.Policy.LB {
	case RoundRobin:
		start := int((c.rr.Add(1) - 1) % uint64(n))
		for i := range n {
			if h := hs[(start+i)%n]; ok(h) {
				return h
			}
		}
		return nil
	case Random:
		start := rand.IntN(n)
		for i := range n {
			if h := hs[(start+i)%n]; ok(h) {
				return h
			}
		}
		return nil
	default: // LeastRequest: power of two distinct random choices
		ia := -1
		start := rand.IntN(n)
		for i := range n {
			if j := (start + i) % n; ok(hs[j]) {
				ia = j
				break
			}
		}
		if ia < 0 {
			return nil
		}
		a := hs[ia]
		if n == 1 {
			return a
		}
		off := 1 + rand.IntN(n-1)
		for i := range n - 1 {
			if b := hs[(ia+off+i)%n]; b != a && ok(b) {
				if b.active.Load() < a.active.Load() {
					return b
				}
				return a
			}
		}
		return a
	}
}

// panicMode is Envoy's healthy panic threshold: with too few healthy hosts,
// ejections are ignored.
func (c *Cluster) panicMode(now time.Time) bool {
	od := c.Policy.Outlier
	if od == nil || od.MinHealthPercent <= 0 {
		return false
	}
	healthy := 0
	for _, h := range c.hosts {
		if !h.Ejected(now) {
			healthy++
		}
	}
	return healthy*100 < od.MinHealthPercent*len(c.hosts)
}

// Begin marks a request as sent to h; pair with End.
func (c *Cluster) Begin(h *Host) {
	h.active.Add(1)
	h.total.Add(1)
}

// End marks the request to h done. code is the upstream status, or 0 with
// localFailure set when no response came (connect failure, reset,
// timeout). It feeds outlier detection.
func (c *Cluster) End(h *Host, code int, localFailure bool) {
	h.active.Add(-1)
	od := c.Policy.Outlier
	if od == nil {
		return
	}
	is5xx := localFailure || code >= 500
	isGw := localFailure || code == 502 || code == 503 || code == 504
	if !is5xx {
		h.consec5xx.Store(0)
		h.consecGw.Store(0)
		return
	}
	eject := false
	if od.Consecutive5xx > 0 && h.consec5xx.Add(1) >= int32(od.Consecutive5xx) {
		eject = true
	}
	if isGw {
		if od.ConsecutiveGateway > 0 && h.consecGw.Add(1) >= int32(od.ConsecutiveGateway) {
			eject = true
		}
	} else {
		h.consecGw.Store(0)
	}
	if eject {
		c.eject(h, time.Now())
	}
}

func (c *Cluster) eject(h *Host, now time.Time) {
	od := c.Policy.Outlier
	c.outlierMu.Lock()
	defer c.outlierMu.Unlock()
	h.consec5xx.Store(0)
	h.consecGw.Store(0)
	if h.Ejected(now) {
		return
	}
	ejected := 0
	for _, o := range c.hosts {
		if o.Ejected(now) {
			ejected++
		}
	}
	// As Envoy: eject while the share stays within the maximum, and always
	// allow one ejection.
	if ejected > 0 && (ejected+1)*100 > od.MaxEjectionPercent*len(c.hosts) {
		return
	}
	n := h.ejections.Add(1)
	until := now.Add(time.Duration(n) * od.BaseEjectionTime)
	if iv := od.Interval; iv > 0 { // ejections end on the next sweep
		k := (until.Sub(c.epoch) + iv - 1) / iv
		until = c.epoch.Add(k * iv)
	}
	h.ejectedUntil.Store(until.UnixNano())
}

// Status is a snapshot of a cluster for /config_dump.
type Status struct {
	Spec
	Active    int64        `json:"active"`
	Pending   int64        `json:"pending"`
	Overflows int64        `json:"overflows"`
	Hosts     []HostStatus `json:"hosts"`
}

// Status snapshots the cluster.
func (c *Cluster) Status() Status {
	now := time.Now()
	s := Status{Spec: c.Spec, Active: c.active.Load(), Pending: c.pending.Load(), Overflows: c.overflows.Load()}
	for _, h := range c.hosts {
		s.Hosts = append(s.Hosts, h.status(now))
	}
	return s
}
