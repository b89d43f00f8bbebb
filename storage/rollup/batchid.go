package rollup

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/meshlens/meshlens/storage"
)

// batchHash accumulates a batch id: xxhash64 over fixed-width fields.
type batchHash struct {
	d   xxhash.Digest
	buf [8]byte
	n   int
}

func (h *batchHash) u64(v uint64) {
	if h.n == 0 {
		h.d.Reset()
	}
	h.n++
	binary.LittleEndian.PutUint64(h.buf[:], v)
	_, _ = h.d.Write(h.buf[:])
}

func (h *batchHash) str(s string) {
	h.u64(uint64(len(s)))
	_, _ = h.d.WriteString(s)
}

func (h *batchHash) add(series uint64, t int64, v float64) {
	h.u64(series)
	h.u64(uint64(t))
	h.u64(math.Float64bits(v))
}

func (h *batchHash) sum() uint64 {
	if h.n == 0 {
		return 0
	}
	return h.d.Sum64()
}

// BatchIDAccessLogs identifies a batch of access logs for
// storage.RollupWriter's replay check: a hash of the fields that tell
// records apart, in batch order, tagged with the source.
func BatchIDAccessLogs(rows []storage.AccessLog) uint64 {
	var h batchHash
	h.str(storage.RollupSourceLogs)
	for i := range rows {
		r := &rows[i]
		h.u64(uint64(r.Start.UnixNano()))
		h.u64(uint64(r.DurationMicros))
		h.u64(uint64(r.ResponseCode))
		h.u64(uint64(r.BytesReceived))
		h.u64(uint64(r.BytesSent))
		h.str(r.RequestID)
		h.str(r.Path)
		h.str(r.ResponseFlags)
		h.str(r.Reporter.Direction)
		h.str(r.Reporter.Service)
		h.str(r.UpstreamCluster)
		h.str(r.DownstreamRemote)
		h.str(r.UpstreamHost)
	}
	return h.sum()
}

// BatchIDSpans identifies a batch of spans, as BatchIDAccessLogs.
func BatchIDSpans(spans []storage.Span) uint64 {
	var h batchHash
	h.str(storage.RollupSourceSpans)
	for i := range spans {
		s := &spans[i]
		h.u64(s.TraceID.High)
		h.u64(s.TraceID.Low)
		h.u64(s.SpanID)
		h.u64(uint64(s.Start.UnixNano()))
		h.u64(uint64(s.DurationMicros))
		h.str(string(s.Kind))
		h.str(s.Service)
	}
	return h.sum()
}

func timeFromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
