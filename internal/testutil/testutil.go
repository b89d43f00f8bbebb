// Package testutil holds helpers shared by meshlens' tests: free ports,
// polling with a deadline, and running real servers (Prometheus) as
// subprocesses. It is imported only from _test.go files.
package testutil

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// FreeAddr returns a loopback address whose port was free a moment ago.
//
// The port is drawn below Linux's ephemeral range (32768–60999), so the
// source port of some other connection the tests open cannot take it
// between FreeAddr and the caller's bind (CI saw "address already in use"
// with ports the kernel handed out from that range), and a process never
// gets the same port twice.
func FreeAddr(t testing.TB) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := freePortLow + rand.IntN(freePortHigh-freePortLow)
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // in use
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		portsGiven[port] = true
		return addr
	}
	t.Fatalf("no free port in [%d, %d) after 1000 tries", freePortLow, freePortHigh)
	return ""
}

// The ports FreeAddr draws from, and those it has handed out.
const freePortLow, freePortHigh = 20000, 32768

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// WaitFor polls cond every 100ms until it returns nil, and fails the test
// with cond's last error once timeout has passed.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
}

// HTTPOK returns nil when GET url answers 200.
func HTTPOK(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
