package upstream

import "net/http"

// RoundTrip sends req to one of the cluster's hosts, named by req.URL.Host
// (an absolute http:// URL), over the cluster's connection pool, and
// returns the response. The caller must close resp.Body; reading it to
// EOF first lets an HTTP/1.1 connection be reused. local is the local
// address of the upstream connection used ("" if none was obtained). When
// req's context ends, the exchange is abandoned and RoundTrip or a body
// read returns an error. Dial failures are *net.OpError with Op "dial".
//
// HTTP/1.1 clusters run the exchange on the calling goroutine and close a
// connection after maxRequestsPerConnection requests (req.Close asks for
// Connection: close); HTTP/2 clusters multiplex h2c connections (see
// h2Client), without net/http's hidden retries of refused streams.
// RoundTrip does not apply the circuit breakers: callers pair it with
// Acquire and Release.
func (c *Cluster) RoundTrip(req *http.Request) (resp *http.Response, local string, err error) {
	if c.h1 != nil {
		return c.h1.roundTrip(req)
	}
	return c.h2.roundTrip(req)
}
