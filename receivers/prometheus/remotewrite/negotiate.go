package remotewrite

import (
	"mime"
	"net/http"
	"strings"
)

// protocol is the remote-write message a request carries.
type protocol int

const (
	protoUnknown protocol = iota
	protoV1               // prometheus.WriteRequest (remote write 1.0)
	protoV2               // io.prometheus.write.v2.Request (remote write 2.0)
)

// Content negotiation values from the remote-write specifications.
const (
	mediaTypeProtobuf = "application/x-protobuf"
	messageV1         = "prometheus.WriteRequest"
	messageV2         = "io.prometheus.write.v2.Request"
	// ContentTypeV1 and ContentTypeV2 are the Content-Type values senders
	// use for remote write 1.0 and 2.0.
	ContentTypeV1 = mediaTypeProtobuf
	ContentTypeV2 = mediaTypeProtobuf + ";proto=" + messageV2
)

// negotiate picks the protocol from the request headers. As Prometheus'
// own receiver does, a missing Content-Type means 1.0 and a missing
// Content-Encoding means snappy, for early 1.0 senders.
func negotiate(h http.Header) (protocol, *requestError) {
	proto := protoV1
	if ct := h.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			return protoUnknown, reject(http.StatusUnsupportedMediaType, ReasonContentType, "Content-Type %q: %v", ct, err)
		}
		if mt != mediaTypeProtobuf {
			return protoUnknown, reject(http.StatusUnsupportedMediaType, ReasonContentType, "Content-Type %q: want %s", ct, mediaTypeProtobuf)
		}
		switch params["proto"] {
		case "", messageV1:
		case messageV2:
			proto = protoV2
		default:
			return protoUnknown, reject(http.StatusUnsupportedMediaType, ReasonContentType,
				"Content-Type %q: proto message %q not accepted; this server accepts %s and %s", ct, params["proto"], messageV1, messageV2)
		}
	}
	if enc := h.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "snappy") {
		return proto, reject(http.StatusUnsupportedMediaType, ReasonEncoding, "Content-Encoding %q: only snappy is accepted", enc)
	}
	return proto, nil
}
