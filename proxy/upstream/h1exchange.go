package upstream

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// inlineBodyMax is the largest request body (of known length) written on
// the calling goroutine. Larger or unknown-length bodies are written by a
// helper goroutine while the response is read, as net/http does, so an
// upstream answering before it has read the whole body (a 413, an early
// reply) cannot stall the exchange.
const inlineBodyMax = 64 << 10

// errUpgrade is returned for a 101 response: the proxy strips Upgrade, so
// an upstream switching protocols is out of step with it.
var errUpgrade = errors.New("upstream: unexpected 101 Switching Protocols")

// roundTrip sends req to req.URL.Host and returns its response. The
// caller must read resp.Body to EOF (the connection then goes back to the
// pool) or close it early (the connection is closed). local is the local
// address of the connection of the last try, "" when none was obtained.
// req.Body is always closed.
//
// A request that fails on a reused connection before any response byte
// arrived is retried once on a fresh connection when it is replayable,
// by net/http's rule: no body (or GetBody set), and an idempotent method
// or an Idempotency-Key header.
//
// When req's context ends, the connection is closed: a blocked write,
// header read or body read returns at once with an error wrapping the
// context's error.
func (p *h1Client) roundTrip(req *http.Request) (resp *http.Response, local string, err error) {
	ctx := req.Context()
	host := req.URL.Host
	fresh := false
	for {
		if err := ctx.Err(); err != nil {
			closeReqBody(req)
			return nil, local, fmt.Errorf("upstream %s: %w", host, err)
		}
		c, reused, err := p.get(ctx, host, fresh)
		if err != nil {
			closeReqBody(req)
			return nil, local, err
		}
		local = c.local
		resp, retry, err := p.exchange(ctx, c, req, reused)
		if err == nil {
			return resp, local, nil
		}
		if !retry || fresh || !replayable(req) || ctx.Err() != nil {
			closeReqBody(req)
			return nil, local, err
		}
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, local, fmt.Errorf("upstream %s: rewind request body: %w", host, gerr)
			}
			r2 := *req
			r2.Body = body
			req = &r2
		}
		fresh = true
	}
}

// exchange runs one request on c. retry reports a failure on a reused
// connection before any response byte arrived. On error c is closed.
func (p *h1Client) exchange(ctx context.Context, c *h1Conn, req *http.Request, reused bool) (resp *http.Response, retry bool, err error) {
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
	}
	fail := func(what string, err error) error {
		if stop != nil {
			stop()
		}
		c.close()
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("upstream %s: %s: %w (%w)", req.URL.Host, what, cerr, err)
		}
		return fmt.Errorf("upstream %s: %s: %w", req.URL.Host, what, err)
	}
	c.uses++

	var wrote chan error // the helper goroutine's write result
	if req.Body == nil || req.Body == http.NoBody || (req.ContentLength >= 0 && req.ContentLength <= inlineBodyMax) {
		werr := req.Write(c.bw)
		if werr == nil {
			werr = c.bw.Flush()
		}
		if werr != nil {
			if resp := p.earlyResponse(ctx, c, req); resp != nil {
				return p.deliver(c, req, resp, stop, nil), false, nil
			}
			return nil, reused, fail("write request", werr)
		}
	} else {
		wrote = make(chan error, 1)
		go func() {
			werr := req.Write(c.bw)
			if werr == nil {
				werr = c.bw.Flush()
			}
			if werr != nil {
				c.close() // unblocks the response read
			}
			wrote <- werr
		}()
	}

	// A failure before the first response byte is one a stale pooled
	// connection gives (the server closed it while idle).
	c.limit = p.maxHeader
	if _, err := c.br.Peek(1); err != nil {
		return nil, reused, fail("read response", err)
	}
	resp, err = p.readResponse(c, req)
	if err != nil {
		return nil, false, fail("read response", err)
	}
	return p.deliver(c, req, resp, stop, wrote), false, nil
}

// earlyWait is how long a failed request write waits for a response the
// upstream may have sent before closing (net/http waits as long).
const earlyWait = 50 * time.Millisecond

// earlyResponse reads a response an upstream sent before it stopped
// reading the request (a 413 or 431 before the whole request arrived),
// waiting at most earlyWait; nil when there is none. The response is
// marked Close: the connection cannot carry another request.
func (p *h1Client) earlyResponse(ctx context.Context, c *h1Conn, req *http.Request) *http.Response {
	// Deadlines race the context watch, which forces one into the past:
	// re-check the context after each change.
	_ = c.nc.SetReadDeadline(time.Now().Add(earlyWait))
	if ctx.Err() != nil {
		return nil
	}
	resp, err := p.readResponse(c, req)
	if err != nil {
		return nil
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	if ctx.Err() != nil {
		_ = c.nc.SetReadDeadline(aLongTimeAgo)
	}
	resp.Close = true
	return resp
}

// readResponse reads the next final response on c, skipping 1xx
// interim responses, with the header block limited to maxHeader bytes.
func (p *h1Client) readResponse(c *h1Conn, req *http.Request) (*http.Response, error) {
	for {
		c.limit = p.maxHeader + int64(c.br.Buffered())
		resp, err := http.ReadResponse(c.br, req)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errUpgrade
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue
		}
		c.limit = math.MaxInt64
		return resp, nil
	}
}

// deliver wraps resp.Body so the connection is pooled or closed when the
// caller is done with it; a response without a body releases it now.
func (p *h1Client) deliver(c *h1Conn, req *http.Request, resp *http.Response, stop func() bool, wrote chan error) *http.Response {
	b := &h1Body{p: p, c: c, host: req.URL.Host, inner: resp.Body, stop: stop, wrote: wrote,
		ctx: req.Context(), keep: !resp.Close && !req.Close && (p.maxUses <= 0 || c.uses < p.maxUses)}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp
	}
	resp.Body = b
	return resp
}

// replayable is net/http's rule for resending a request that may have
// reached the server.
func replayable(r *http.Request) bool {
	if r.Body != nil && r.Body != http.NoBody && r.GetBody == nil {
		return false
	}
	switch r.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, a := r.Header["Idempotency-Key"]
	_, b := r.Header["X-Idempotency-Key"]
	return a || b
}

func closeReqBody(r *http.Request) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
}
