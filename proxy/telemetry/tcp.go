package telemetry

import (
	"sync/atomic"

	"github.com/meshlens/meshlens/proxy/telemetry/b3"
	"github.com/meshlens/meshlens/proxy/telemetry/istiometrics"
)

// TCPConn is the telemetry of one proxied TCP connection: Istio's
// istio_tcp_* metrics and, at the end, one access-log entry. Its methods
// are safe for concurrent use (the two copy directions may report bytes
// from their own goroutines).
type TCPConn struct {
	t      *Telemetry
	peers  Record // Direction, Source and Destination from OpenTCP
	series *istiometrics.TCPSeries
	sent   atomic.Int64
	recv   atomic.Int64
	closed atomic.Bool
}

// OpenTCP records a connection opened between src and dst
// (istio_tcp_connections_opened_total), reported from dir's side. The
// local peer, when left zero, is this proxy's identity.
func (t *Telemetry) OpenTCP(dir Direction, src, dst Peer) *TCPConn {
	r := Record{Direction: dir, Source: src, Destination: dst}
	t.complete(&r)
	c := &TCPConn{t: t, peers: r}
	if t.metrics != nil {
		var l istiometrics.TCPLabels
		t.tcpLabels(&r, &l)
		c.series = t.metrics.TCP(&l)
		c.series.Opened()
	}
	return c
}

// Add counts bytes as they flow: sent to the downstream and received
// from it (istio_tcp_sent_bytes_total, istio_tcp_received_bytes_total).
func (c *TCPConn) Add(sent, received int64) {
	if sent > 0 {
		c.sent.Add(sent)
		if c.series != nil {
			c.series.Sent(sent)
		}
	}
	if received > 0 {
		c.recv.Add(received)
		if c.series != nil {
			c.series.Received(received)
		}
	}
}

// Close records the connection's end (istio_tcp_connections_closed_total)
// and writes its access-log entry from r, whose BytesSent and
// BytesReceived are the connection's totals: bytes not yet reported by
// Add are counted now. Direction, Source and Destination are those given
// to OpenTCP; Protocol, Method, Path and ResponseCode are ignored (a TCP
// entry has none). Only the first Close counts; r is not retained.
func (c *TCPConn) Close(r *Record) {
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	rec := *r
	rec.Protocol, rec.Method, rec.Path, rec.ResponseCode = "", "", "", 0
	rec.Direction, rec.Source, rec.Destination = c.peers.Direction, c.peers.Source, c.peers.Destination
	c.Add(rec.BytesSent-c.sent.Load(), rec.BytesReceived-c.recv.Load())
	if c.series != nil {
		c.series.Closed()
	}
	rec.UpstreamServiceTime = -1
	c.t.log(&rec, b3.Context{}, false, true)
}
