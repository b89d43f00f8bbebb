package remotewrite

import (
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/golang/snappy"
)

var errBodyTooLarge = errors.New("body too large")

// readBody reads the snappy-compressed body of r into st.compressed and
// decodes it into st.decoded, returning the decoded bytes. The compressed
// size is bounded while reading, and the decoded size is checked against
// the length the snappy header declares before any space is made for it.
func (h *Handler) readBody(r *http.Request, st *requestState) ([]byte, *requestError) {
	maxDecoded := h.cfg.MaxBodyBytes
	if r.ContentLength > h.maxCompressed {
		return nil, reject(http.StatusRequestEntityTooLarge, ReasonTooLarge,
			"compressed body of %d bytes is over the %d bytes a %d-byte body can take (max_body_bytes)", r.ContentLength, h.maxCompressed, maxDecoded)
	}
	compressed, err := readLimited(r.Body, st.compressed[:0], r.ContentLength, h.maxCompressed)
	st.compressed = compressed
	switch {
	case errors.Is(err, errBodyTooLarge):
		return nil, reject(http.StatusRequestEntityTooLarge, ReasonTooLarge,
			"compressed body is over the %d bytes a %d-byte body can take (max_body_bytes)", h.maxCompressed, maxDecoded)
	case err != nil:
		return nil, reject(http.StatusBadRequest, ReasonReadBody, "reading body: %v", err)
	}
	n, err := snappy.DecodedLen(compressed)
	if err != nil {
		return nil, reject(http.StatusBadRequest, ReasonSnappy, "body is not snappy block format: %v", err)
	}
	if int64(n) > maxDecoded {
		return nil, reject(http.StatusRequestEntityTooLarge, ReasonTooLarge,
			"decoded body of %d bytes is over max_body_bytes (%d)", n, maxDecoded)
	}
	st.decoded = slices.Grow(st.decoded[:0], n)[:n]
	decoded, err := snappy.Decode(st.decoded, compressed)
	if err != nil {
		return nil, reject(http.StatusBadRequest, ReasonSnappy, "body is not snappy block format: %v", err)
	}
	return decoded, nil
}

// maxPrealloc bounds the room made for a body from its Content-Length:
// beyond it, room grows as bytes arrive, so that requests announcing big
// bodies they do not send cost no memory.
const maxPrealloc = 1 << 20

// readLimited appends r's content to buf and returns it, or
// errBodyTooLarge once more than limit bytes arrive. size is the announced
// length, or -1.
func readLimited(r io.Reader, buf []byte, size, limit int64) ([]byte, error) {
	if size >= 0 {
		// One spare byte lets the final read see EOF without growing.
		buf = slices.Grow(buf, int(min(size+1, maxPrealloc)))
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(4096, len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errBodyTooLarge
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
