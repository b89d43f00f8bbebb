//go:build linux || darwin

package upstream

import (
	"net"
	"syscall"
)

// connAlive reports whether an idle pooled connection can carry another
// request: the peer has not closed it and has sent nothing unsolicited.
// It peeks at the socket without blocking (one recvfrom), so a server
// that closed an idle connection is noticed before a request is lost on
// it, as net/http's background read loop would notice.
func connAlive(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, e := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// EAGAIN: nothing to read, the connection is idle and open. n == 0:
		// the peer closed it. n > 0: the peer sent bytes no request asked
		// for (such as a 408), so the connection is out of step.
		alive = n <= 0 && (e == syscall.EAGAIN || e == syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && alive
}
