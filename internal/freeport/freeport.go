// Package freeport picks loopback ports to listen on later, for the demo
// mesh and the tests.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
)

// The ports Addr draws from: below Linux's ephemeral range (32768–60999),
// so the source port of some outgoing connection cannot take a port
// between Addr and its caller's bind (CI saw "address already in use"
// with ports the kernel had handed out from that range).
const low, high = 20000, 32768

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// Addr returns a loopback address whose port was free a moment ago and
// that this process has not been given before.
func Addr() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	for range 1000 {
		port := low + rand.IntN(high-low)
		if given[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // in use
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			return "", fmt.Errorf("freeport: closing %s: %w", addr, err)
		}
		given[port] = true
		return addr, nil
	}
	return "", fmt.Errorf("freeport: no free port in [%d, %d) after 1000 tries", low, high)
}
