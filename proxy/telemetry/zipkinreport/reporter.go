// Package zipkinreport sends spans to a Zipkin v2 collector
// (POST /api/v2/spans, JSON) in batches from a background goroutine, as
// Envoy's Zipkin tracer does. Enqueue never blocks: the backlog is bounded
// and what does not fit is dropped and counted.
//
// zipkin-go's own HTTP reporter is not used because its Send blocks on an
// unbuffered channel and it drops silently; the wire format is still
// zipkin-go's model.SpanModel JSON, which is exactly Zipkin v2.
package zipkinreport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openzipkin/zipkin-go/model"
)

// Config configures a Reporter. Zero values take the defaults noted.
type Config struct {
	// Endpoint is the collector's span URL, e.g.
	// http://127.0.0.1:9411/api/v2/spans. Required.
	Endpoint string
	// BatchSize is the most spans per POST (default 100).
	BatchSize int
	// BatchInterval is the longest a span waits before it is sent
	// (default 1s, Envoy's flush interval).
	BatchInterval time.Duration
	// MaxBacklog bounds the spans waiting to be sent (default 10000);
	// spans beyond it are dropped and counted.
	MaxBacklog int
	// Timeout bounds one POST (default 5s).
	Timeout time.Duration
	// Client sends the POSTs (default: a client of its own).
	Client *http.Client
}

// Stats counts a Reporter's spans since New.
type Stats struct {
	Enqueued int64 // accepted by Enqueue
	Dropped  int64 // refused by Enqueue: backlog full or closed
	Sent     int64 // in POSTs the collector answered 2xx
	Failed   int64 // in POSTs that failed or got a non-2xx answer
	Batches  int64 // POSTs that succeeded
}

// Encoder appends one item as a Zipkin v2 JSON span object. It runs on
// the reporter's goroutine and must not retain the item.
type Encoder[T any] func(item *T, dst []byte) []byte

// ModelEncoder is an Encoder through zipkin-go's model: convert fills a
// model.SpanModel, which zipkin-go marshals as Zipkin v2 JSON.
func ModelEncoder[T any](convert func(*T, *model.SpanModel)) Encoder[T] {
	return func(item *T, dst []byte) []byte {
		var s model.SpanModel
		convert(item, &s)
		b, err := json.Marshal(s)
		if err != nil { // only for invalid times, which convert must not produce
			return dst
		}
		return append(dst, b...)
	}
}

// Reporter batches items of type T, encoded as Zipkin spans by its
// Encoder on its own goroutine (so the caller's hot path builds nothing),
// and POSTs them.
type Reporter[T any] struct {
	cfg     Config
	encode  Encoder[T]
	ch      chan *T
	flushC  chan chan struct{}
	done    chan struct{}
	closeMu sync.RWMutex // held for reading by Enqueue, for writing by Close
	closed  bool
	once    sync.Once
	stop    chan struct{}

	enqueued, dropped, sent, failed, batches atomic.Int64
	lastErr                                  atomic.Pointer[error]
}

// New starts a reporter that encodes items with encode.
func New[T any](cfg Config, encode Encoder[T]) (*Reporter[T], error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("zipkinreport: endpoint is required")
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("zipkinreport: endpoint %q: want an http(s) URL", cfg.Endpoint)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.BatchInterval <= 0 {
		cfg.BatchInterval = time.Second
	}
	if cfg.MaxBacklog <= 0 {
		cfg.MaxBacklog = 10000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}}
	}
	r := &Reporter[T]{
		cfg:    cfg,
		encode: encode,
		ch:     make(chan *T, cfg.MaxBacklog),
		flushC: make(chan chan struct{}),
		done:   make(chan struct{}),
		stop:   make(chan struct{}),
	}
	go r.loop()
	return r, nil
}

// Enqueue hands an item to the reporter without blocking; the reporter
// owns it from then on (the queue holds pointers, so its memory is what
// is queued, not MaxBacklog full-size items). It reports false (and
// counts a drop) when the backlog is full or the reporter is closed.
func (r *Reporter[T]) Enqueue(item *T) bool {
	r.closeMu.RLock()
	defer r.closeMu.RUnlock()
	if r.closed {
		r.dropped.Add(1)
		return false
	}
	select {
	case r.ch <- item:
		r.enqueued.Add(1)
		return true
	default:
		r.dropped.Add(1)
		return false
	}
}

// Flush sends what is queued now and waits for it, or for ctx.
func (r *Reporter[T]) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case r.flushC <- ack:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting spans, sends the backlog and waits for it, or
// for ctx (then the rest is dropped). It is idempotent.
func (r *Reporter[T]) Close(ctx context.Context) error {
	r.once.Do(func() {
		r.closeMu.Lock()
		r.closed = true
		r.closeMu.Unlock()
		close(r.stop)
	})
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zipkinreport: close: %w", ctx.Err())
	}
}

// Stats returns the counters; safe to call at any time.
func (r *Reporter[T]) Stats() Stats {
	return Stats{Enqueued: r.enqueued.Load(), Dropped: r.dropped.Load(), Sent: r.sent.Load(),
		Failed: r.failed.Load(), Batches: r.batches.Load()}
}

// LastError is the most recent send error, or nil.
func (r *Reporter[T]) LastError() error {
	if p := r.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (r *Reporter[T]) loop() {
	defer close(r.done)
	tick := time.NewTicker(r.cfg.BatchInterval)
	defer tick.Stop()
	body := make([]byte, 0, 64<<10)
	n := 0
	send := func() {
		if n > 0 {
			r.post(append(body, ']'), n)
			body, n = body[:0], 0
		}
	}
	add := func(item *T) {
		if n == 0 {
			body = append(body, '[')
		} else {
			body = append(body, ',')
		}
		mark := len(body)
		body = r.encode(item, body)
		if len(body) == mark { // the encoder refused the item
			body = body[:mark-1]
			if n == 0 {
				body = body[:0]
			}
			r.failed.Add(1)
			return
		}
		n++
		if n >= r.cfg.BatchSize {
			send()
		}
	}
	drain := func() {
		for {
			select {
			case item := <-r.ch:
				add(item)
			default:
				send()
				return
			}
		}
	}
	for {
		select {
		case item := <-r.ch:
			add(item)
		case <-tick.C:
			send()
		case ack := <-r.flushC:
			drain()
			close(ack)
		case <-r.stop:
			drain() // Enqueue can no longer add: closed is set before stop closes
			return
		}
	}
}

func (r *Reporter[T]) post(body []byte, n int) {
	if err := r.postBody(body); err != nil {
		r.failed.Add(int64(n))
		err = fmt.Errorf("zipkinreport: post %d spans to %s: %w", n, r.cfg.Endpoint, err)
		r.lastErr.Store(&err)
		return
	}
	r.sent.Add(int64(n))
	r.batches.Add(1)
}

func (r *Reporter[T]) postBody(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.Endpoint, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// As zipkin-go and Envoy: a sidecar in the way must not trace this call.
	req.Header.Set("b3", "0")
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("collector answered %s", resp.Status)
	}
	return nil
}
