package remotewrite

import (
	"net/http"

	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
)

// maxPooledBytes bounds the buffers a pooled requestState keeps, so that
// one huge request does not pin its memory for good.
const maxPooledBytes = 4 << 20

// requestState is the scratch space of one request, pooled by the Handler
// so that steady traffic reuses buffers and decoded-message slices. Nothing
// handed to consume points into it: the 2.0 decoder copies every string,
// and a 1.0 body, which the 1.0 decoder's strings alias, is given up.
type requestState struct {
	compressed, decoded []byte
	v1                  prompb.WriteRequest
	dec1                v1Decoder
	v2                  writev2.Request
	labels              []prompb.Label // 2.0 labels of the current series
	meta1               v1Metadata

	// The outcome of the last conversion.
	rejected  rejections
	exemplars int
}

// reset readies st for another request and drops buffers too big to keep.
func (st *requestState) reset() {
	if cap(st.compressed) > maxPooledBytes {
		st.compressed = nil
	}
	if cap(st.decoded) > maxPooledBytes {
		st.decoded = nil
	}
	// Decoded messages are truncated, not cleared (unmarshalling zeroes
	// each element it appends): what they still point at stays reachable
	// only until the next request or until the pool drops st at a GC.
	st.v1 = prompb.WriteRequest{Timeseries: st.v1.Timeseries[:0], Metadata: st.v1.Metadata[:0]}
	st.dec1.reset()
	st.v2 = writev2.Request{Symbols: st.v2.Symbols[:0], Timeseries: st.v2.Timeseries[:0]}
	st.meta1.reset(nil)
	st.rejected = rejections{}
	st.exemplars = 0
}

// decode unmarshals body as the protocol's message and converts it. A body
// that is not a valid message is rejected whole; problems of single series
// are left in st.rejected.
func (st *requestState) decode(proto protocol, body []byte) (*builder, *requestError) {
	switch proto {
	case protoV2:
		if err := st.v2.Unmarshal(body); err != nil {
			return nil, reject(http.StatusBadRequest, ReasonProtobuf, "decoding %s protobuf: %v", messageV2, err)
		}
		if len(st.v2.Symbols) > 0 && st.v2.Symbols[0] != "" {
			return nil, reject(http.StatusBadRequest, ReasonProtobuf, "%s: symbols[0] must be the empty string, got %q", messageV2, st.v2.Symbols[0])
		}
		return st.convertV2(&st.v2), nil
	default:
		unknown, err := st.dec1.unmarshal(body, &st.v1)
		if err != nil {
			return nil, reject(http.StatusBadRequest, ReasonProtobuf, "decoding %s protobuf: %v", messageV1, err)
		}
		// The decoded strings alias the body (st.decoded, when called from
		// the handler): it now belongs to the pdata and must not be reused.
		st.decoded = nil
		if len(st.v1.Timeseries) == 0 && len(st.v1.Metadata) == 0 && unknown {
			// The failure the 2.0 spec warns of: a 2.0 message labelled 1.0
			// decodes as an empty 1.0 message. Answering 204 would lose it.
			return nil, reject(http.StatusBadRequest, ReasonProtobuf,
				"no %s fields, only unknown ones: is this a %s sent without Content-Type %q?", messageV1, messageV2, ContentTypeV2)
		}
		return st.convertV1(&st.v1), nil
	}
}
