package upstream

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// h1Server is a real net/http server counting the connections it accepted.
type h1Server struct {
	*httptest.Server
	conns atomic.Int64
}

func newH1Server(t testing.TB, h http.HandlerFunc) *h1Server {
	s := &h1Server{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *h1Server) host() string { return s.Listener.Addr().String() }

// h1Req builds a request to host with an optional body of known length
// (n >= 0) or unknown length (n == -1).
func h1Req(t testing.TB, ctx context.Context, method, host, path string, body []byte, n int64) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+host+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.ContentLength = n
		if n < 0 { // hide the length from Request.Write
			req.Body = io.NopCloser(struct{ io.Reader }{bytes.NewReader(body)})
			req.GetBody = nil
		}
	}
	return req
}

type h1Result struct {
	resp  *http.Response
	body  []byte
	local string
}

func h1Do(t testing.TB, p *h1Client, req *http.Request) h1Result {
	t.Helper()
	resp, local, err := p.roundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", req.Method, req.URL, err)
	}
	resp.Body.Close()
	return h1Result{resp: resp, body: b, local: local}
}

// echo answers with the request's method, body length, transfer
// encoding and the body itself; the path picks special behaviours.
func echo(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/big/"):
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/big/"))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for n > 0 {
			k := min(n, len(chunk))
			w.Write(chunk[:k])
			n -= k
		}
		return
	case r.URL.Path == "/chunked":
		w.Header().Set("Trailer", "X-Sum")
		for i := range 3 {
			io.WriteString(w, "part"+strconv.Itoa(i)+";")
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Sum", "3")
		return
	case r.URL.Path == "/nocontent":
		w.WriteHeader(http.StatusNoContent)
		return
	case r.URL.Path == "/notmodified":
		w.WriteHeader(http.StatusNotModified)
		return
	case r.URL.Path == "/close":
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
		return
	case r.URL.Path == "/early-hints":
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "final")
		return
	}
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Method", r.Method)
	w.Header().Set("X-Len", strconv.Itoa(len(b)))
	w.Header().Set("X-TE", strings.Join(r.TransferEncoding, ","))
	w.Header().Set("X-Conn", r.Header.Get("Connection"))
	if r.Method != http.MethodHead {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	} else {
		w.Header().Set("Content-Length", "1000")
	}
	w.Write(b)
}

func TestH1Exchanges(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	small := []byte("hello upstream")
	cases := []struct {
		name     string
		method   string
		path     string
		body     []byte
		n        int64 // request Content-Length; -1 unknown
		close    bool  // req.Close
		code     int
		wantBody string // "" with wantLen checks the length only
		wantLen  int
		hdr      map[string]string
		trailer  map[string]string
		reused   bool // the connection goes back to the pool
	}{
		{name: "get", method: "GET", path: "/x", code: 200, hdr: map[string]string{"X-Method": "GET", "X-Len": "0"}, reused: true},
		{name: "post small body inline", method: "POST", path: "/x", body: small, n: int64(len(small)), code: 200,
			wantBody: string(small), hdr: map[string]string{"X-Len": "14", "X-TE": ""}, reused: true},
		{name: "post large body", method: "POST", path: "/x", body: big, n: int64(len(big)), code: 200,
			wantLen: len(big), hdr: map[string]string{"X-Len": strconv.Itoa(len(big))}, reused: true},
		{name: "post chunked body", method: "PUT", path: "/x", body: small, n: -1, code: 200,
			wantBody: string(small), hdr: map[string]string{"X-TE": "chunked", "X-Len": "14"}, reused: true},
		{name: "large response", method: "GET", path: "/big/4194304", code: 200, wantLen: 4 << 20, reused: true},
		{name: "large chunked response", method: "GET", path: "/big/3000001?chunked=1", code: 200, wantLen: 3000001, reused: true},
		{name: "chunked response with trailer", method: "GET", path: "/chunked", code: 200, wantBody: "part0;part1;part2;",
			trailer: map[string]string{"X-Sum": "3"}, reused: true},
		{name: "head", method: "HEAD", path: "/x", code: 200, hdr: map[string]string{"Content-Length": "1000"}, reused: true},
		{name: "no content", method: "GET", path: "/nocontent", code: 204, reused: true},
		{name: "not modified", method: "GET", path: "/notmodified", code: 304, reused: true},
		{name: "early hints skipped", method: "GET", path: "/early-hints", code: 200, wantBody: "final", reused: true},
		{name: "server connection close", method: "GET", path: "/close", code: 200, wantBody: "bye", reused: false},
		{name: "request connection close", method: "GET", path: "/x", close: true, code: 200,
			hdr: map[string]string{"X-Conn": "close"}, reused: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newH1Server(t, echo)
			p := newH1Client(h1Options{})
			for i := range 3 {
				req := h1Req(t, t.Context(), tc.method, srv.host(), tc.path, tc.body, tc.n)
				req.Close = tc.close
				r := h1Do(t, p, req)
				if r.resp.StatusCode != tc.code {
					t.Fatalf("status %d, want %d", r.resp.StatusCode, tc.code)
				}
				switch {
				case tc.wantBody != "" && string(r.body) != tc.wantBody:
					t.Errorf("body %q, want %q", r.body, tc.wantBody)
				case tc.wantBody == "" && len(r.body) != tc.wantLen:
					t.Errorf("body %d bytes, want %d", len(r.body), tc.wantLen)
				}
				for k, v := range tc.hdr {
					if got := r.resp.Header.Get(k); got != v {
						t.Errorf("header %s = %q, want %q", k, got, v)
					}
				}
				for k, v := range tc.trailer {
					if got := r.resp.Trailer.Get(k); got != v {
						t.Errorf("trailer %s = %q, want %q", k, got, v)
					}
				}
				if r.local == "" {
					t.Error("no local address")
				}
				if want := map[bool]int{true: 1, false: 0}[tc.reused]; p.idleCount(srv.host()) != want {
					t.Errorf("after request %d: %d idle connections, want %d", i, p.idleCount(srv.host()), want)
				}
			}
			want := int64(3)
			if tc.reused {
				want = 1
			}
			if got := srv.conns.Load(); got != want {
				t.Errorf("%d connections for 3 requests, want %d", got, want)
			}
		})
	}
}

// rawServer accepts connections and runs serve on each, counting them.
func rawServer(t *testing.T, serve func(n int64, c net.Conn)) (host string, conns *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = &atomic.Int64{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(n, c)
			}()
		}
	}()
	return ln.Addr().String(), conns
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// TestH1StaleConnection covers a pooled connection the server dropped:
// one closed while idle is noticed before use, and one that fails before
// the first response byte is retried once on a fresh connection when the
// request is replayable.
func TestH1StaleConnection(t *testing.T) {
	t.Run("closed while idle", func(t *testing.T) {
		if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
			t.Skip("no idle probe on " + runtime.GOOS)
		}
		closed := make(chan struct{}, 4)
		host, conns := rawServer(t, func(_ int64, c net.Conn) {
			br := bufio.NewReader(c)
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			io.WriteString(c, okResponse)
			c.Close() // keep-alive was implied: the client pools it
			closed <- struct{}{}
		})
		p := newH1Client(h1Options{})
		h1Do(t, p, h1Req(t, t.Context(), "GET", host, "/", nil, 0))
		<-closed
		// A POST is not replayable: it succeeds only because the dead
		// connection is discarded before the request is written.
		r := h1Do(t, p, h1Req(t, t.Context(), "POST", host, "/", []byte("x"), 1))
		if string(r.body) != "ok" || conns.Load() != 2 {
			t.Errorf("body %q, %d connections", r.body, conns.Load())
		}
	})

	// The server reads the second request of each connection and closes
	// without answering, as a server timing out an idle connection just as
	// the request arrives does.
	dropSecond := func(t *testing.T) (string, *atomic.Int64, *atomic.Int64) {
		var reqs atomic.Int64
		host, conns := rawServer(t, func(_ int64, c net.Conn) {
			br := bufio.NewReader(c)
			for i := 0; ; i++ {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				reqs.Add(1)
				if i == 1 {
					return
				}
				io.WriteString(c, okResponse)
			}
		})
		return host, conns, &reqs
	}
	cases := []struct {
		name, method string
		body         []byte
		hdr          string
		wantErr      bool
	}{
		{name: "GET retried", method: "GET"},
		{name: "HEAD retried", method: "HEAD"},
		{name: "POST with idempotency key retried", method: "POST", hdr: "Idempotency-Key"},
		{name: "POST not retried", method: "POST", wantErr: true},
		{name: "PUT with body not retried", method: "PUT", body: []byte("data"), wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host, conns, reqs := dropSecond(t)
			p := newH1Client(h1Options{})
			h1Do(t, p, h1Req(t, t.Context(), "GET", host, "/", nil, 0))
			req := h1Req(t, t.Context(), tc.method, host, "/", tc.body, int64(len(tc.body)))
			if tc.hdr != "" {
				req.Header.Set(tc.hdr, "k1")
			}
			resp, _, err := p.roundTrip(req)
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("non-replayable request was retried")
				}
				if conns.Load() != 1 || reqs.Load() != 2 {
					t.Errorf("%d connections, %d requests; want 1, 2", conns.Load(), reqs.Load())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || conns.Load() != 2 || reqs.Load() != 3 {
				t.Errorf("status %d, %d connections, %d requests; want 200, 2, 3", resp.StatusCode, conns.Load(), reqs.Load())
			}
		})
	}

	t.Run("fresh connection not retried", func(t *testing.T) {
		host, conns := rawServer(t, func(_ int64, c net.Conn) {
			http.ReadRequest(bufio.NewReader(c))
		})
		p := newH1Client(h1Options{})
		if _, _, err := p.roundTrip(h1Req(t, t.Context(), "GET", host, "/", nil, 0)); err == nil {
			t.Fatal("no error from a server that hung up")
		}
		if conns.Load() != 1 {
			t.Errorf("%d connections, want 1", conns.Load())
		}
	})
}

// TestH1Cancel covers a context ending while the request waits for
// headers and while the body streams: the call returns at once with the
// context's error and the connection is closed, not pooled.
func TestH1Cancel(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newH1Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			io.WriteString(w, "first;")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	p := newH1Client(h1Options{})

	t.Run("deadline before headers", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := p.roundTrip(h1Req(t, ctx, "GET", srv.host(), "/slow", nil, 0))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want deadline exceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("cancel mid-body", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		resp, _, err := p.roundTrip(h1Req(t, ctx, "GET", srv.host(), "/slow-body", nil, 0))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first;" {
			t.Fatalf("first part %q, %v", buf, err)
		}
		cancel()
		_, err = io.ReadAll(resp.Body)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("body err %v, want canceled", err)
		}
		resp.Body.Close()
	})
	if n := p.idleCount(srv.host()); n != 0 {
		t.Errorf("%d idle connections after cancelled requests", n)
	}
	t.Run("early close", func(t *testing.T) {
		resp, _, err := p.roundTrip(h1Req(t, t.Context(), "GET", srv.host(), "/slow-body", nil, 0))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { resp.Body.Close(); close(done) }()
		select { // Close must not drain a body that never ends
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close blocked on an unfinished body")
		}
		if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
			t.Error("read after Close succeeded")
		}
		if n := p.idleCount(srv.host()); n != 0 {
			t.Errorf("%d idle connections after an early close", n)
		}
	})
}

func TestH1Limits(t *testing.T) {
	t.Run("dial failure is a dial OpError", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		host := ln.Addr().String()
		ln.Close()
		p := newH1Client(h1Options{ConnectTimeout: time.Second})
		_, local, err := p.roundTrip(h1Req(t, t.Context(), "GET", host, "/", nil, 0))
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" || local != "" {
			t.Fatalf("err %v (local %q), want a dial OpError", err, local)
		}
	})
	t.Run("max requests per connection", func(t *testing.T) {
		srv := newH1Server(t, echo)
		p := newH1Client(h1Options{MaxUses: 2})
		for range 5 {
			h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		}
		if got := srv.conns.Load(); got != 3 {
			t.Errorf("%d connections for 5 requests at 2 per connection, want 3", got)
		}
	})
	t.Run("response header limit", func(t *testing.T) {
		srv := newH1Server(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Huge", strings.Repeat("h", 64<<10))
		})
		p := newH1Client(h1Options{MaxHeaderBytes: 16 << 10})
		_, _, err := p.roundTrip(h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		if !errors.Is(err, errHeaderTooLarge) {
			t.Fatalf("err %v, want header too large", err)
		}
		p = newH1Client(h1Options{}) // default 1 MiB
		if r := h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0)); len(r.resp.Header.Get("X-Huge")) != 64<<10 {
			t.Error("64 KiB header lost under the default limit")
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		srv := newH1Server(t, echo)
		p := newH1Client(h1Options{IdleTimeout: time.Minute})
		h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		p.mu.Lock()
		p.idle[srv.host()][0].idleAt = time.Now().Add(-2 * time.Minute) // idle past the timeout
		p.mu.Unlock()
		h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		if got := srv.conns.Load(); got != 2 {
			t.Errorf("%d connections, want 2 (the expired one replaced)", got)
		}
	})
	t.Run("idle connections reaped", func(t *testing.T) {
		srv := newH1Server(t, echo)
		p := newH1Client(h1Options{IdleTimeout: 50 * time.Millisecond})
		h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		if p.idleCount(srv.host()) != 1 {
			t.Fatal("the connection was not pooled")
		}
		deadline := time.Now().Add(5 * time.Second)
		for p.idleCount(srv.host()) != 0 { // no further use of the pool
			if time.Now().After(deadline) {
				t.Fatal("idle connection still pooled long after its timeout")
			}
			time.Sleep(10 * time.Millisecond)
		}
		p.mu.Lock()
		armed := p.reaper != nil
		p.mu.Unlock()
		if armed {
			t.Error("reaper still armed with nothing idle")
		}
	})
	t.Run("max idle per host", func(t *testing.T) {
		release := make(chan struct{})
		var started sync.WaitGroup
		started.Add(3)
		srv := newH1Server(t, func(w http.ResponseWriter, r *http.Request) {
			started.Done()
			<-release
		})
		p := newH1Client(h1Options{MaxIdlePerHost: 2})
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0)) })
		}
		started.Wait()
		close(release)
		wg.Wait()
		if n := p.idleCount(srv.host()); n != 2 {
			t.Errorf("%d idle connections, want 2", n)
		}
	})
	t.Run("retired pool pools nothing", func(t *testing.T) {
		srv := newH1Server(t, echo)
		p := newH1Client(h1Options{})
		h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		p.retire()
		h1Do(t, p, h1Req(t, t.Context(), "GET", srv.host(), "/", nil, 0))
		if n := p.idleCount(srv.host()); n != 0 || srv.conns.Load() != 2 {
			t.Errorf("%d idle, %d connections; want 0, 2", n, srv.conns.Load())
		}
	})
	t.Run("early response to a large upload", func(t *testing.T) {
		srv := newH1Server(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusRequestEntityTooLarge) // without reading the body
		})
		p := newH1Client(h1Options{})
		body := bytes.Repeat([]byte("u"), 16<<20)
		r := h1Do(t, p, h1Req(t, t.Context(), "POST", srv.host(), "/", body, int64(len(body))))
		if r.resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", r.resp.StatusCode)
		}
	})
	t.Run("unexpected 101", func(t *testing.T) {
		host, _ := rawServer(t, func(_ int64, c net.Conn) {
			http.ReadRequest(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n")
		})
		p := newH1Client(h1Options{})
		if _, _, err := p.roundTrip(h1Req(t, t.Context(), "GET", host, "/", nil, 0)); !errors.Is(err, errUpgrade) {
			t.Fatalf("err %v, want errUpgrade", err)
		}
	})
}

// TestH1Concurrent runs many callers over one pool (meant for -race).
func TestH1Concurrent(t *testing.T) {
	srv := newH1Server(t, echo)
	p := newH1Client(h1Options{MaxIdlePerHost: 4})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				body := []byte(strconv.Itoa(g*1000 + i))
				r := h1Do(t, p, h1Req(t, t.Context(), "POST", srv.host(), "/", body, int64(len(body))))
				if !bytes.Equal(r.body, body) {
					t.Errorf("body %q, want %q", r.body, body)
				}
			}
		})
	}
	wg.Wait()
	if n := p.idleCount(srv.host()); n < 1 || n > 4 {
		t.Errorf("%d idle connections, want 1..4", n)
	}
	if c := srv.conns.Load(); c > 8+4 {
		t.Errorf("%d connections for 8 callers", c)
	}
}

// BenchmarkH1RoundTrip compares one small GET through the caller-goroutine
// client and through net/http's Transport, against the same server.
func BenchmarkH1RoundTrip(b *testing.B) {
	srv := newH1Server(b, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "details v1") })
	url := "http://" + srv.host() + "/details/0"
	b.Run("h1client", func(b *testing.B) {
		p := newH1Client(h1Options{})
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("GET", url, nil)
			resp, _, err := p.roundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("transport", func(b *testing.B) {
		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("GET", url, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
