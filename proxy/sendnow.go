package proxy

import (
	"net/http"

	"github.com/meshlens/meshlens/proxy/telemetry"
)

// sendNow flushes a finished HTTP/1.x response to the client before the
// telemetry work that follows it (metrics, access log, span), so that
// work is not on the caller's latency. It flushes only a response whose
// end the client can tell from what was already written: one with a
// Content-Length, or a status that has no body. A response without a
// length would turn chunked on Flush and still end only when the handler
// returns, so it is left alone, as are aborted and HTTP/2 responses (an
// h2 stream ends only when the handler returns).
func sendNow(w http.ResponseWriter, r *http.Request, rec *telemetry.Record, out outcome) {
	if out.abort || r.ProtoMajor != 1 || rec.ResponseCode == 0 {
		return
	}
	code := rec.ResponseCode
	noBody := code == http.StatusNoContent || code == http.StatusNotModified || code < 200
	if !noBody && len(w.Header()["Content-Length"]) == 0 {
		return
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
