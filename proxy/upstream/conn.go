package upstream

import (
	"context"
	"net"
	"sync/atomic"
)

// countedConn counts the requests a pooled HTTP/1.1 connection carried,
// for maxRequestsPerConnection.
type countedConn struct {
	net.Conn
	uses atomic.Int64
}

func countingDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: c}, nil
	}
}

// CountConnUse records that a request got conn from the pool. When the
// connection has now carried maxRequestsPerConnection requests, it returns
// a func closing it, to call once the response is done; else nil. (A
// limit of 1 is enforced exactly with Connection: close instead.)
func (c *Cluster) CountConnUse(conn net.Conn) func() {
	cc, ok := conn.(*countedConn)
	if !ok {
		return nil
	}
	if cc.uses.Add(1) >= int64(c.Policy.MaxRequestsPerConnection) {
		return func() { cc.Conn.Close() }
	}
	return nil
}
