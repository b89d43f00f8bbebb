package proxy

import (
	"net/http"
	"net/textproto"
	"strings"
)

// hopHeaders are connection-level headers a proxy must not forward
// (RFC 9110 section 7.6.1).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopHeaders deletes hop-by-hop headers, including those Connection
// names, in place.
func removeHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// peerHeader carries the calling workload's identity from the outbound
// sidecar to the inbound one, as Istio's metadata exchange does with
// x-envoy-peer-metadata. The inbound side strips it before the app.
const peerHeader = "X-Meshlens-Peer"

const (
	headerAttemptCount    = "X-Envoy-Attempt-Count"
	headerOriginalPath    = "X-Envoy-Original-Path"
	headerUpstreamSvcTime = "X-Envoy-Upstream-Service-Time"
	headerRequestID       = "X-Request-Id"
	headerForwardedFor    = "X-Forwarded-For"
	headerUserAgent       = "User-Agent"
)
