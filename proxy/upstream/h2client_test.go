package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
)

func testH2Client() *h2Client {
	return newH2Client(h2cTransport(&net.Dialer{Timeout: time.Second}, &http.Transport{}), 0)
}

func h2Get(t *testing.T, c *h2Client, addr string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.roundTrip(req)
}

// h2cServer starts an h2c server allowing maxStreams streams per
// connection; conns counts the connections it accepted.
func h2cServer(t *testing.T, maxStreams int, h http.HandlerFunc) (addr string, conns *atomic.Int64) {
	t.Helper()
	conns = new(atomic.Int64)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: maxStreams}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), conns
}

// getAll sends n concurrent GETs of url through c, each reading its body;
// the returned channel yields their n errors.
func getAll(c *h2Client, url string, n int) <-chan error {
	errs := make(chan error, n)
	for range n {
		go func() {
			req, _ := http.NewRequest("GET", url, nil)
			resp, _, err := c.roundTrip(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	return errs
}

// TestH2ClientNoHiddenRetry checks that a refused stream comes back to the
// caller after one attempt (net/http's transport would retry it itself),
// with an error naming REFUSED_STREAM, and that the connection serves the
// next request.
func TestH2ClientNoHiddenRetry(t *testing.T) {
	srv := testutil.NewRefusingH2C(t, 1)
	c := testH2Client()
	_, _, err := h2Get(t, c, srv.Addr)
	if err == nil || !strings.Contains(err.Error(), "REFUSED_STREAM") {
		t.Fatalf("first request: err %v, want a REFUSED_STREAM error", err)
	}
	if n := srv.Streams.Load(); n != 1 {
		t.Fatalf("%d streams opened for one request", n)
	}
	resp, local, err := h2Get(t, c, srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" || resp.ProtoMajor != 2 {
		t.Fatalf("second request: %d %q HTTP/%d", resp.StatusCode, body, resp.ProtoMajor)
	}
	if srv.Conns.Load() != 1 || !strings.HasPrefix(local, "127.0.0.1:") {
		t.Fatalf("%d connections, local address %q; want 1 reused connection with its address", srv.Conns.Load(), local)
	}
}

// TestH2ClientMultiplexes checks that concurrent requests share one
// connection while it has free streams, and that another connection opens
// when the server's stream limit is reached.
func TestH2ClientMultiplexes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxStreams int
		n          int // concurrent requests after a first one
		wantConns  int64
	}{
		{"shared", 100, 8, 1},
		{"stream limit", 1, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arrived := make(chan struct{}, 16)
			release := make(chan struct{})
			addr, conns := h2cServer(t, tc.maxStreams, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/wait" {
					arrived <- struct{}{}
					<-release
				}
				io.WriteString(w, "ok")
			})
			c := testH2Client()
			// A first request, so the first connection knows the limit.
			resp, _, err := h2Get(t, c, addr)
			if err != nil {
				t.Fatal(err)
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
			errs := getAll(c, "http://"+addr+"/wait", tc.n)
			for i := range tc.n {
				select {
				case <-arrived:
				case <-time.After(10 * time.Second):
					t.Fatalf("%d of %d concurrent requests reached the server", i, tc.n)
				}
			}
			close(release)
			for range tc.n {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if got := conns.Load(); got != tc.wantConns {
				t.Errorf("%d connections for %d concurrent requests with %d streams each, want %d", got, tc.n, tc.maxStreams, tc.wantConns)
			}
		})
	}
}

// TestH2ClientDialFailure checks that a refused connection is a dial
// *net.OpError, which the proxy classifies as a connect failure.
func TestH2ClientDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, _, err = h2Get(t, testH2Client(), addr)
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err %v (%T), want a dial *net.OpError", err, err)
	}
}

// TestH2ClientRetire checks that retiring closes idle connections and
// lets a request in flight finish, its connection closing after it.
func TestH2ClientRetire(t *testing.T) {
	srv := testutil.NewRefusingH2C(t, 0)
	c := testH2Client()
	resp, _, err := h2Get(t, c, srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.mu.Lock()
	conn := c.conns[srv.Addr][0]
	c.mu.Unlock()
	c.retire()
	if conn.cc.Err() == nil {
		t.Fatal("idle connection still open after retire")
	}
	// A request after retiring still works, on a new connection that
	// closes once the request is done.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+srv.Addr+"/", nil)
	resp, _, err = c.roundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	c.mu.Lock()
	list := c.conns[srv.Addr]
	last := list[len(list)-1]
	c.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for last.cc.Err() == nil {
		if time.Now().After(deadline) {
			t.Fatal("connection opened after retire stayed open after its request")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestH2ClientConnectionLimit checks that with tcp.maxConnections reached
// and no free stream, requests queue for a stream on the open connection
// rather than opening more.
func TestH2ClientConnectionLimit(t *testing.T) {
	addr, conns := h2cServer(t, 1, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond)
		io.WriteString(w, "ok")
	})
	c := newH2Client(h2cTransport(&net.Dialer{Timeout: time.Second}, &http.Transport{}), 1)
	resp, _, err := h2Get(t, c, addr) // learns the stream limit
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	const n = 4
	errs := getAll(c, "http://"+addr+"/", n)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("%d connections with tcp.maxConnections 1", got)
	}
}
