package proxy

import (
	"crypto/rand"
	"net/http"
	"net/url"

	"github.com/meshlens/meshlens/proxy/telemetry"
)

// encodePeer renders a workload identity for peerHeader.
func encodePeer(p telemetry.Peer) string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("workload", p.Workload)
	set("namespace", p.Namespace)
	set("app", p.App)
	set("version", p.Version)
	set("service", p.Service)
	return v.Encode()
}

// decodePeer parses peerHeader; a malformed value gives an empty Peer.
func decodePeer(s string) telemetry.Peer {
	if s == "" {
		return telemetry.Peer{}
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return telemetry.Peer{}
	}
	return telemetry.Peer{Workload: v.Get("workload"), Namespace: v.Get("namespace"), App: v.Get("app"),
		Version: v.Get("version"), Service: v.Get("service")}
}

// nopObserver is used when no telemetry is configured. Like Envoy, the
// proxy still guarantees an x-request-id.
type nopObserver struct{}

type nopObservation struct{ id string }

func (nopObserver) Begin(_ telemetry.Direction, h http.Header) telemetry.Observation {
	id := h.Get(headerRequestID)
	if id == "" {
		id = newUUID()
		h.Set(headerRequestID, id)
	}
	return nopObservation{id: id}
}

func (o nopObservation) RequestID() string      { return o.id }
func (nopObservation) Finish(*telemetry.Record) {}

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 36)
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(out)
}
