// Package alsclient streams access-log entries to an Envoy gRPC access-log
// service (envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs),
// as Envoy's envoy.access_loggers.http_grpc does: one long-lived client
// stream, the node identifier on its first message, entries batched per
// message and flushed periodically.
//
// Enqueue never blocks. Entries wait in a bounded buffer while the
// collector is unreachable; the client reconnects with exponential
// backoff. ALS has no acknowledgement, so entries written to a stream that
// then breaks may be lost, as with Envoy.
package alsclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/meshlens/meshlens/proxy/telemetry/internal/ack"
)

// Config configures a Client. Zero values take the defaults noted.
type Config struct {
	// Endpoint is the collector's gRPC address (host:port). Required.
	Endpoint string
	// LogName is the identifier's log_name (default "meshlens_proxy").
	LogName string
	// Node identifies this proxy in the first message of each stream.
	Node *corev3.Node
	// BatchSize is the most entries per message (default 100).
	BatchSize int
	// FlushInterval is the longest an entry waits (default 1s, Envoy's
	// buffer_flush_interval).
	FlushInterval time.Duration
	// MaxBuffered bounds the entries waiting, per stage: queued for the
	// sender, and held by it while the collector is unreachable (default
	// 10000). Newer entries beyond it are dropped and counted.
	MaxBuffered int
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts (defaults 100ms and 5s).
	MinBackoff, MaxBackoff time.Duration
	// DialOptions replace the default (insecure transport credentials).
	DialOptions []grpc.DialOption
}

// Stats counts a Client's entries since New.
type Stats struct {
	Enqueued int64 // accepted by Enqueue
	Dropped  int64 // refused by Enqueue, or by the full buffer while disconnected
	Sent     int64 // entries in messages written to a stream
	Messages int64 // messages written
	Streams  int64 // streams opened
	Failures int64 // stream opens or sends that failed
}

// Client is an ALS client for items of type T, which convert turns into
// an HTTP or a TCP entry on the client's goroutine (so building protos
// stays off the request path).
type Client[T any] struct {
	cfg     Config
	convert func(*T) (*datav3.HTTPAccessLogEntry, *datav3.TCPAccessLogEntry)
	conn    *grpc.ClientConn
	client  accesslogv3.AccessLogServiceClient

	ch      chan *T
	flushC  chan chan error
	stop    chan struct{}
	done    chan struct{}
	closeMu sync.RWMutex
	closed  bool
	once    sync.Once

	// Owned by the loop goroutine.
	stream           grpc.ClientStreamingClient[accesslogv3.StreamAccessLogsMessage, accesslogv3.StreamAccessLogsResponse]
	cancel           context.CancelFunc
	messagesOnStream int
	httpBatch        []*datav3.HTTPAccessLogEntry
	tcpBatch         []*datav3.TCPAccessLogEntry
	backoff          time.Duration
	retryAfter       time.Time

	enqueued, dropped, sent, messages, streams, failures atomic.Int64
	lastErr                                              atomic.Pointer[error]
}

// New starts a client. It does not wait for the collector: the stream is
// opened on the first flush and reopened after failures.
func New[T any](cfg Config, convert func(*T) (*datav3.HTTPAccessLogEntry, *datav3.TCPAccessLogEntry)) (*Client[T], error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("alsclient: endpoint is required")
	}
	if cfg.LogName == "" {
		cfg.LogName = "meshlens_proxy"
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.MaxBuffered <= 0 {
		cfg.MaxBuffered = 10000
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(5*time.Second, cfg.MinBackoff)
	}
	opts := cfg.DialOptions
	if len(opts) == 0 {
		opts = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	conn, err := grpc.NewClient(cfg.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("alsclient: endpoint %q: %w", cfg.Endpoint, err)
	}
	c := &Client[T]{
		cfg:     cfg,
		convert: convert,
		conn:    conn,
		client:  accesslogv3.NewAccessLogServiceClient(conn),
		ch:      make(chan *T, cfg.MaxBuffered),
		flushC:  make(chan chan error),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go c.loop()
	return c, nil
}

// Enqueue hands an item to the client without blocking; the client owns
// it from then on. It reports false (and counts a drop) when the buffer
// is full or the client is closed.
func (c *Client[T]) Enqueue(item *T) bool {
	c.closeMu.RLock()
	defer c.closeMu.RUnlock()
	if c.closed {
		c.dropped.Add(1)
		return false
	}
	select {
	case c.ch <- item:
		c.enqueued.Add(1)
		return true
	default:
		c.dropped.Add(1)
		return false
	}
}

// Flush sends what is queued now (reconnecting if need be, regardless of
// backoff) and returns the send error, or ctx's.
func (c *Client[T]) Flush(ctx context.Context) error {
	return ack.Request(ctx, c.flushC, c.done)
}

// Close stops accepting entries, sends what is buffered (one attempt),
// ends the stream and closes the connection. Idempotent.
func (c *Client[T]) Close(ctx context.Context) error {
	c.once.Do(func() {
		c.closeMu.Lock()
		c.closed = true
		c.closeMu.Unlock()
		close(c.stop)
	})
	select {
	case <-c.done:
	case <-ctx.Done():
		return fmt.Errorf("alsclient: close: %w", ctx.Err())
	}
	return nil
}

// Stats returns the counters; safe to call at any time.
func (c *Client[T]) Stats() Stats {
	return Stats{Enqueued: c.enqueued.Load(), Dropped: c.dropped.Load(), Sent: c.sent.Load(),
		Messages: c.messages.Load(), Streams: c.streams.Load(), Failures: c.failures.Load()}
}

// LastError is the most recent stream error, or nil.
func (c *Client[T]) LastError() error {
	if p := c.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *Client[T]) loop() {
	defer close(c.done)
	defer c.conn.Close()
	tick := time.NewTicker(c.cfg.FlushInterval)
	defer tick.Stop()
	drain := func() {
		for {
			select {
			case item := <-c.ch:
				c.add(item)
			default:
				return
			}
		}
	}
	for {
		select {
		case item := <-c.ch:
			c.add(item)
			if len(c.httpBatch) >= c.cfg.BatchSize || len(c.tcpBatch) >= c.cfg.BatchSize {
				c.send(false)
			}
		case <-tick.C:
			c.send(false)
		case ack := <-c.flushC:
			drain()
			ack <- c.send(true)
		case <-c.stop:
			drain()
			c.send(true)
			c.endStream(true)
			return
		}
	}
}

// add converts an item into the pending batches. While the collector is
// unreachable they fill up to MaxBuffered; then new entries are dropped
// (counted), which costs nothing, unlike evicting the oldest.
func (c *Client[T]) add(item *T) {
	if len(c.httpBatch)+len(c.tcpBatch) >= c.cfg.MaxBuffered {
		c.dropped.Add(1)
		return
	}
	h, t := c.convert(item)
	if h != nil {
		c.httpBatch = append(c.httpBatch, h)
	}
	if t != nil {
		c.tcpBatch = append(c.tcpBatch, t)
	}
}

// send writes the pending batches in messages of at most BatchSize,
// opening a stream if there is none (unless backing off and !force).
// Sent entries are removed from the front once, at the end, so a large
// backlog is not shifted per message.
func (c *Client[T]) send(force bool) error {
	hs, ts := 0, 0 // entries of httpBatch and tcpBatch sent
	defer func() {
		c.httpBatch = dropFront(c.httpBatch, hs)
		c.tcpBatch = dropFront(c.tcpBatch, ts)
	}()
	for hs < len(c.httpBatch) || ts < len(c.tcpBatch) {
		if c.stream == nil {
			if !force && time.Now().Before(c.retryAfter) {
				return nil
			}
			if err := c.openStream(); err != nil {
				return c.fail(err)
			}
		}
		msg := &accesslogv3.StreamAccessLogsMessage{}
		if c.messagesOnStream == 0 {
			msg.Identifier = &accesslogv3.StreamAccessLogsMessage_Identifier{Node: c.cfg.Node, LogName: c.cfg.LogName}
		}
		var n int
		isHTTP := hs < len(c.httpBatch)
		if isHTTP {
			n = min(len(c.httpBatch)-hs, c.cfg.BatchSize)
			msg.LogEntries = &accesslogv3.StreamAccessLogsMessage_HttpLogs{
				HttpLogs: &accesslogv3.StreamAccessLogsMessage_HTTPAccessLogEntries{LogEntry: c.httpBatch[hs : hs+n : hs+n]},
			}
		} else {
			n = min(len(c.tcpBatch)-ts, c.cfg.BatchSize)
			msg.LogEntries = &accesslogv3.StreamAccessLogsMessage_TcpLogs{
				TcpLogs: &accesslogv3.StreamAccessLogsMessage_TCPAccessLogEntries{LogEntry: c.tcpBatch[ts : ts+n : ts+n]},
			}
		}
		if err := c.stream.Send(msg); err != nil {
			c.endStream(false)
			return c.fail(fmt.Errorf("send: %w", err))
		}
		c.messagesOnStream++
		c.messages.Add(1)
		c.sent.Add(int64(n))
		if isHTTP {
			hs += n
		} else {
			ts += n
		}
	}
	c.backoff = 0
	return nil
}

// dropFront removes the first n entries, releasing their references.
func dropFront[E any](s []*E, n int) []*E {
	if n == 0 {
		return s
	}
	rest := copy(s, s[n:])
	clear(s[rest:])
	return s[:rest]
}

func (c *Client[T]) openStream() error {
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.client.StreamAccessLogs(ctx)
	if err != nil {
		cancel()
		return fmt.Errorf("open stream: %w", err)
	}
	c.stream, c.cancel, c.messagesOnStream = stream, cancel, 0
	c.streams.Add(1)
	return nil
}

// closeWait bounds how long a graceful end waits for the collector's
// answer, which confirms it has read the whole stream.
const closeWait = 5 * time.Second

// endStream releases the stream. Gracefully, it half-closes and waits for
// the collector's answer (bounded by closeWait), so that messages in
// flight are read before the stream is canceled; after an error it
// cancels at once.
func (c *Client[T]) endStream(graceful bool) {
	if c.stream == nil {
		return
	}
	if graceful {
		answered := make(chan struct{})
		stream := c.stream
		go func() {
			_, _ = stream.CloseAndRecv()
			close(answered)
		}()
		t := time.NewTimer(closeWait)
		select {
		case <-answered:
		case <-t.C:
		}
		t.Stop()
	}
	c.cancel()
	c.stream, c.cancel = nil, nil
}

func (c *Client[T]) fail(err error) error {
	err = fmt.Errorf("alsclient: %s: %w", c.cfg.Endpoint, err)
	c.failures.Add(1)
	c.lastErr.Store(&err)
	c.backoff = min(max(2*c.backoff, c.cfg.MinBackoff), c.cfg.MaxBackoff)
	c.retryAfter = time.Now().Add(c.backoff)
	return err
}
