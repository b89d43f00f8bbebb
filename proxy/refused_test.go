package proxy

import (
	"fmt"
	"net"
	"testing"

	"github.com/meshlens/meshlens/internal/testutil"
)

// TestRetryOnRefusedStream checks retryOn refused-stream against an h2c
// upstream that answers RST_STREAM REFUSED_STREAM: retried when the policy
// says so, and otherwise Envoy's 503 UR with
// remote_refused_stream_reset, after exactly one attempt (no retry hidden
// in the HTTP/2 client).
func TestRetryOnRefusedStream(t *testing.T) {
	cases := []struct {
		name     string
		retries  string
		refuse   int
		code     int
		flags    string
		details  string
		attempts int
		streams  int64
	}{
		{"retried", "{attempts: 2, retryOn: refused-stream}", 1, 200, "", "via_upstream", 2, 2},
		{"exhausted", "{attempts: 1, retryOn: refused-stream}", 5, 503, "UR,URX", detailsRefusedStream, 2, 2},
		{"not in policy", "{attempts: 2, retryOn: \"503\"}", 1, 503, "UR", detailsRefusedStream, 1, 1},
		{"retries off", "{attempts: 0}", 1, 503, "UR", detailsRefusedStream, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := testutil.NewRefusingH2C(t, c.refuse)
			_, port, err := net.SplitHostPort(srv.Addr)
			if err != nil {
				t.Fatal(err)
			}
			reg := "services:\n- name: ratings\n  ports: [{name: http, port: 9080, protocol: HTTP2}]\n  endpoints:\n" +
				fmt.Sprintf("  - {address: 127.0.0.1, ports: {http: %s}, labels: {app: ratings, version: v1}}\n", port)
			rules := vs("ratings", "  hosts: [ratings]\n  http:\n  - retries: "+c.retries+"\n    route: [{destination: {host: ratings}}]\n")
			tp := startProxy(t, productpage, reg, rules)
			r := tp.get(t, "ratings", "/", nil)
			rec := tp.rec.last(t)
			if r.code != c.code || rec.ResponseFlags != c.flags || rec.ResponseCodeDetails != c.details || rec.Attempts != c.attempts || srv.Streams.Load() != c.streams {
				t.Errorf("got %d flags %q details %q attempts %d streams %d; want %d %q %q %d %d",
					r.code, rec.ResponseFlags, rec.ResponseCodeDetails, rec.Attempts, srv.Streams.Load(),
					c.code, c.flags, c.details, c.attempts, c.streams)
			}
		})
	}
}
