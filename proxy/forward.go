package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
	"github.com/meshlens/meshlens/proxy/upstream"
)

// plan is how one request is forwarded once routing is done.
type plan struct {
	cluster   *upstream.Cluster
	retry     *route.RetryPolicy // nil: a single try
	timeout   time.Duration      // whole request including retries; 0: none
	authority string
	// respHeaders edit the upstream response (destination's, then route's).
	respHeaders [2]*route.HeaderOps
}

// failKind classifies an attempt that produced no upstream response.
type failKind uint8

const (
	failNone       failKind = iota
	failConnect             // dial failed
	failRefused             // HTTP/2 REFUSED_STREAM
	failReset               // connection closed or reset before the response
	failPerTry              // per-try timeout
	failTimeout             // route timeout
	failDownstream          // the caller went away
	failOverflow            // circuit breaker
	failNoHost              // no healthy host
)

// outcome is what forward did, for the access log.
type outcome struct {
	host  *upstream.Host
	abort bool // the response was cut mid-body: reset the downstream stream
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// countingReader counts bytes read from a request body.
type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// forward sends r to pl.cluster with retries and timeouts, streams the
// response to w and fills rec.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, rec *telemetry.Record, pl *plan, fl *flags) outcome {
	var out outcome
	c := pl.cluster
	retries := 0
	if pl.retry != nil {
		retries = pl.retry.Attempts
	}

	// Request body: retries need a replayable body. Like Envoy's buffer
	// limit, bodies up to RetryBufferLimit are buffered when a retry is
	// possible; larger ones are streamed and disable retries.
	var body []byte
	var stream io.Reader
	var counter *countingReader
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if hasBody {
		counter = &countingReader{r: r.Body}
		stream = counter
		limit := int64(p.cfg.RetryBufferLimit)
		if retries > 0 && r.ContentLength <= limit {
			bp := copyBufPool.Get().(*[]byte)
			buf, full, err := readUpTo(counter, limit, (*bp)[:0])
			*bp = buf[:0]
			defer copyBufPool.Put(bp)
			switch {
			case err != nil:
				fl.set(flagDC)
				rec.ResponseCodeDetails = detailsDownstreamGone
				rec.BytesReceived = counter.n
				return out
			case full:
				body, stream = buf, nil
			default:
				stream = io.MultiReader(bytes.NewReader(buf), counter)
				retries = 0
			}
		} else {
			retries = 0
		}
		defer func() { rec.BytesReceived = counter.n }()
	}

	ctx := r.Context()
	if pl.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pl.timeout)
		defer cancel()
	}

	var tried []*upstream.Host
	var lastKind failKind
	var resp *http.Response
	var attemptCancel context.CancelFunc = func() {}
	defer func() { attemptCancel() }() // cancelling twice is harmless
	var attemptStart time.Time
	lastActx := ctx // the answering attempt's context
	retryHeld := false
	defer func() {
		if retryHeld {
			c.DoneRetry()
		}
	}()
	for attempt := 1; ; attempt++ {
		rec.Attempts = attempt
		h := c.Pick(tried)
		if h == nil {
			lastKind = failNoHost
			break
		}
		tried = append(tried, h)
		out.host = h
		rec.UpstreamHost = h.Address
		if err := c.Acquire(ctx); err != nil {
			if errors.Is(err, upstream.ErrOverflow) {
				lastKind = failOverflow
			} else {
				lastKind = ctxKind(ctx, r.Context())
			}
			break
		}
		c.Begin(h)
		actx := ctx
		attemptCancel = func() {}
		if pl.retry != nil && pl.retry.PerTryTimeout > 0 {
			actx, attemptCancel = withPerTryTimeout(ctx, pl.retry.PerTryTimeout)
		}
		hdr := r.Header
		if attempt > 1 { // a timed-out attempt may still be writing the old headers
			hdr = r.Header.Clone()
		}
		hdr.Set(headerAttemptCount, strconv.Itoa(attempt))
		var reqBody io.ReadCloser = http.NoBody
		cl := int64(0)
		switch {
		case body != nil:
			reqBody, cl = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		case stream != nil:
			reqBody, cl = io.NopCloser(stream), r.ContentLength
		}
		ureq := &http.Request{
			Method: r.Method,
			URL: &url.URL{Scheme: "http", Host: h.Address, Path: r.URL.Path, RawPath: r.URL.RawPath,
				RawQuery: r.URL.RawQuery},
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: hdr, Body: reqBody, ContentLength: cl, Host: pl.authority,
			Close: c.Policy.MaxRequestsPerConnection == 1 && !c.Policy.HTTP2,
		}
		ureq = ureq.WithContext(actx)
		attemptStart = time.Now()
		var err error
		var local string
		resp, local, err = c.RoundTrip(ureq)
		if local != "" {
			rec.UpstreamLocalAddress = local
		}
		if err != nil {
			resp = nil
			lastKind = classify(err, ctx, actx, r.Context())
			rec.UpstreamTransportFailureReason = transportFailureReason(lastKind, err)
			c.End(h, 0, lastKind != failDownstream)
			c.Release()
			attemptCancel()
		} else {
			lastKind = failNone
			rec.UpstreamTransportFailureReason = ""
			lastActx = actx
		}
		if retryHeld {
			c.DoneRetry()
			retryHeld = false
		}
		if !p.retriable(pl.retry, lastKind, resp) {
			break
		}
		if attempt > retries || (stream != nil && body == nil) || ctx.Err() != nil || !c.TryRetry() {
			fl.set(flagURX)
			break
		}
		retryHeld = true
		if resp != nil { // discard the retried response
			drain(resp.Body)
			c.End(h, resp.StatusCode, false)
			c.Release()
			attemptCancel()
			resp = nil
		}
		if !sleepCtx(ctx, backoff(pl.retry.Backoff, attempt)) {
			lastKind = ctxKind(ctx, r.Context())
			break
		}
	}

	if resp == nil {
		p.localFailure(w, rec, lastKind, fl)
		return out
	}
	// The upstream answered: stream the response back.
	defer func() {
		resp.Body.Close()
		c.End(out.host, resp.StatusCode, false)
		c.Release()
		attemptCancel()
	}()
	svcTime := time.Since(attemptStart)
	rec.UpstreamServiceTime = svcTime
	removeHopHeaders(resp.Header)
	dst := w.Header()
	for k, vv := range resp.Header {
		dst[k] = vv
	}
	dst.Set(headerUpstreamSvcTime, strconv.FormatInt(svcTime.Milliseconds(), 10))
	for _, ops := range pl.respHeaders {
		ops.ApplyResponse(dst)
	}
	w.WriteHeader(resp.StatusCode)
	rec.ResponseCode = resp.StatusCode
	rec.ResponseCodeDetails = detailsViaUpstream
	n, rerr, werr := copyBody(w, resp.Body, resp.ContentLength == -1)
	rec.BytesSent = n
	switch {
	case werr != nil:
		fl.set(flagDC)
		rec.ResponseCodeDetails = detailsDownstreamWriteErr
	case rerr != nil:
		switch {
		case r.Context().Err() == nil && ctx.Err() != nil:
			fl.set(flagUT)
			rec.ResponseCodeDetails = detailsResponseTimeout
		case r.Context().Err() == nil && lastActx.Err() != nil:
			fl.set(flagUT)
			rec.ResponseCodeDetails = detailsPerTryTimeout
		case r.Context().Err() != nil:
			fl.set(flagDC)
			rec.ResponseCodeDetails = detailsDownstreamGone
		default:
			fl.set(flagUC)
			rec.ResponseCodeDetails = detailsResetAfterStart
		}
		// Send what arrived, as Envoy does, before resetting the stream.
		if fw, ok := w.(http.Flusher); ok {
			fw.Flush()
		}
		out.abort = true
	default:
		for k, vv := range resp.Trailer {
			dst[http.TrailerPrefix+k] = vv
		}
	}
	return out
}

// retriable reports whether the policy retries this attempt's result.
func (p *Proxy) retriable(rp *route.RetryPolicy, k failKind, resp *http.Response) bool {
	if rp == nil || rp.Attempts == 0 {
		return false
	}
	on := &rp.On
	switch k {
	case failNone:
		code := resp.StatusCode
		switch {
		case on.FiveXX && code >= 500:
			return true
		case on.GatewayError && (code == 502 || code == 503 || code == 504):
			return true
		case on.Retriable4xx && code == 409:
			return true
		}
		for _, c := range on.Codes {
			if c == code {
				return true
			}
		}
		return false
	case failConnect:
		return on.ConnectFailure || on.FiveXX || on.GatewayError || on.Reset
	case failRefused:
		return on.RefusedStream || on.FiveXX || on.GatewayError || on.Reset
	case failReset, failPerTry:
		return on.FiveXX || on.GatewayError || on.Reset
	default:
		return false
	}
}

// localAnswer is Envoy's local reply to one failKind: status, response
// code details, body and response flag.
type localAnswer struct {
	code          int
	details, body string
	flag          flags
}

// resetBody is the body of Envoy's local reply to a failed upstream
// connection or stream, for reason.
func resetBody(reason string) string {
	return "upstream connect error or disconnect/reset before headers. reset reason: " + reason
}

var localAnswers = map[failKind]localAnswer{
	failNoHost:   {503, detailsNoHealthyUpstream, "no healthy upstream", flagUH},
	failOverflow: {503, detailsOverflow, resetBody("overflow"), flagUO},
	failConnect:  {503, detailsConnectFailure, resetBody("connection failure"), flagUF},
	failRefused:  {503, detailsRefusedStream, resetBody("remote refused stream reset"), flagUR},
	failReset:    {503, detailsConnTermination, resetBody("connection termination"), flagUC},
	failPerTry:   {504, detailsPerTryTimeout, "upstream request timeout", flagUT},
	failTimeout:  {504, detailsResponseTimeout, "upstream request timeout", flagUT},
}

// localFailure answers the downstream when no upstream response exists,
// with Envoy's status, body, flag and details. A caller that went away
// gets nothing; its record says DC.
func (p *Proxy) localFailure(w http.ResponseWriter, rec *telemetry.Record, k failKind, fl *flags) {
	if k == failDownstream {
		fl.set(flagDC)
		rec.ResponseCodeDetails = detailsDownstreamGone
		return
	}
	a := localAnswers[k]
	fl.set(a.flag)
	localReply(w, rec, a.code, a.details, a.body)
}

// localReply writes a proxy-generated response.
func localReply(w http.ResponseWriter, rec *telemetry.Record, code int, details, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	n, _ := io.WriteString(w, body)
	rec.ResponseCode = code
	rec.ResponseCodeDetails = details
	rec.BytesSent = int64(n)
}

func classify(err error, ctx, actx, downstream context.Context) failKind {
	switch {
	case downstream.Err() != nil:
		return failDownstream
	case ctx.Err() != nil:
		return failTimeout
	case actx.Err() != nil:
		return failPerTry
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return failConnect
	}
	if strings.Contains(err.Error(), "REFUSED_STREAM") {
		return failRefused
	}
	return failReset
}

func ctxKind(ctx, downstream context.Context) failKind {
	if downstream.Err() != nil {
		return failDownstream
	}
	return failTimeout
}

func transportFailureReason(k failKind, err error) string {
	switch k {
	case failConnect, failReset, failRefused:
		return err.Error()
	}
	return ""
}

// backoff is Envoy's jittered exponential backoff: uniform in
// [0, base*2^(n-1)), capped at ten times base.
func backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = 25 * time.Millisecond
	}
	ceil := base << min(attempt-1, 10)
	ceil = min(ceil, 10*base)
	return time.Duration(rand.Int64N(int64(ceil)) + 1)
}

// sleepCtx waits d or until ctx is done; false means ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// readUpTo reads r into buf until EOF or more than limit bytes; full
// reports that EOF came within the limit.
func readUpTo(r io.Reader, limit int64, buf []byte) (out []byte, full bool, err error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, e := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, false, nil
		}
		if e == io.EOF {
			return buf, true, nil
		}
		if e != nil {
			return buf, false, e
		}
	}
}

// drain reads a little of a discarded body so its connection can be
// reused, then closes it.
func drain(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, 64<<10)
	b.Close()
}

// copyBody streams src to w, flushing after each chunk when the response
// has no length (streaming responses must not wait in buffers).
func copyBody(w http.ResponseWriter, src io.Reader, flush bool) (n int64, rerr, werr error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := (*bp)[:cap(*bp)]
	fw, _ := w.(http.Flusher)
	for {
		nr, er := src.Read(buf)
		if nr > 0 {
			nw, ew := w.Write(buf[:nr])
			n += int64(nw)
			if ew != nil {
				return n, nil, ew
			}
			if flush && fw != nil {
				fw.Flush()
			}
		}
		if er == io.EOF {
			return n, nil, nil
		}
		if er != nil {
			return n, er, nil
		}
	}
}

func (f *flags) set(x flags) { *f |= x }

// withPerTryTimeout bounds one attempt; the caller cancels it when the
// attempt's response is done (possibly in a deferred cleanup).
func withPerTryTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
