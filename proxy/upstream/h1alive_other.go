//go:build !(linux || darwin)

package upstream

import "net"

// connAlive cannot probe a socket without blocking on this platform; a
// dead pooled connection is found when used (and a replayable request is
// retried once on a fresh connection).
func connAlive(net.Conn) bool { return true }
