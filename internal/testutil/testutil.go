// Package testutil holds helpers shared by meshlens' tests: free ports,
// polling with a deadline, and running real servers (Prometheus) as
// subprocesses. It is imported only from _test.go files.
package testutil

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/freeport"
)

// FreeAddr returns a loopback address whose port was free a moment ago
// (freeport.Addr: below the kernel's ephemeral range, never the same port
// twice in a process).
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := freeport.Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

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
