package upstream

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClusterRoundTrip checks that a cluster speaks HTTP/1.1 through its
// own client, or h2c through net/http, as its policy says, and reports
// the local address of the connection used.
func TestClusterRoundTrip(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	host := srv.Listener.Addr().String()
	for _, tc := range []struct {
		http2 bool
		want  string
	}{{false, "HTTP/1.1"}, {true, "HTTP/2.0"}} {
		c := NewCluster(Spec{Name: "c", Endpoints: []Endpoint{{Address: host}}, Policy: Policy{HTTP2: tc.http2}})
		if (c.h1 != nil) == tc.http2 || (c.h2 != nil) != tc.http2 {
			t.Fatalf("http2=%v: h1 client %v, h2 client %v", tc.http2, c.h1 != nil, c.h2 != nil)
		}
		for range 2 {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+host+"/", nil)
			resp, local, err := c.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != tc.want {
				t.Errorf("http2=%v: server saw %q, want %q", tc.http2, b, tc.want)
			}
			if _, _, err := net.SplitHostPort(local); err != nil {
				t.Errorf("http2=%v: local address %q: %v", tc.http2, local, err)
			}
		}
		c.Close()
		if c.h1 != nil && c.h1.idleCount(host) != 0 {
			t.Errorf("idle connections left after Close")
		}
	}
}
