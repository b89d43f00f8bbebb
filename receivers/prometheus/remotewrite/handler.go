package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/golang/snappy"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Path is where remote-write senders POST; the wiring mounts the Handler
// there. The Handler itself does not look at the path.
const Path = "/api/v1/write"

// Response headers of remote write 2.0, counting what was written.
const (
	headerSamplesWritten    = "X-Prometheus-Remote-Write-Samples-Written"
	headerHistogramsWritten = "X-Prometheus-Remote-Write-Histograms-Written"
	headerExemplarsWritten  = "X-Prometheus-Remote-Write-Exemplars-Written"
)

// Handler is the remote-write intake: an http.Handler that decodes each
// request, converts it to pmetric.Metrics and hands it to the consume
// function, answering as the remote-write specifications say (see the
// package doc). It is safe for concurrent use.
type Handler struct {
	cfg           Config
	maxCompressed int64
	consume       func(context.Context, pmetric.Metrics) error
	logger        *slog.Logger
	stats         *counters
	states        sync.Pool
}

// NewHandler returns a Handler that passes every accepted request to
// consume, once, and answers 204 only after consume returned nil. consume
// owns the pmetric.Metrics it is given. A nil logger discards logs.
func NewHandler(cfg Config, consume func(context.Context, pmetric.Metrics) error, logger *slog.Logger) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("remote write config: %w", err)
	}
	if consume == nil {
		return nil, errors.New("remote write: nil consume function")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Handler{
		cfg:           cfg,
		maxCompressed: int64(snappy.MaxEncodedLen(int(cfg.MaxBodyBytes))),
		consume:       consume,
		logger:        logger,
		stats:         newCounters(),
		states:        sync.Pool{New: func() any { return new(requestState) }},
	}, nil
}

// Stats returns the handler's counters so far.
func (h *Handler) Stats() Stats { return h.stats.snapshot() }

// ServeHTTP handles one remote-write request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.stats.requests.Add(1)
	proto, written, rerr := h.serve(r)
	h.respond(w, r, proto, written, rerr)
}

// serve does the work of one request and returns its protocol (once
// known), the number of samples written and the problem to answer, if any.
func (h *Handler) serve(r *http.Request) (protocol, int, *requestError) {
	if r.Method != http.MethodPost {
		return protoUnknown, 0, reject(http.StatusMethodNotAllowed, ReasonMethod, "method %s not allowed; remote write uses POST", r.Method)
	}
	proto, rerr := negotiate(r.Header)
	if rerr != nil {
		return proto, 0, rerr
	}
	st := h.states.Get().(*requestState)
	defer func() {
		st.reset()
		h.states.Put(st)
	}()
	body, rerr := h.readBody(r, st)
	if rerr != nil {
		return proto, 0, rerr
	}
	b, rerr := st.decode(proto, body)
	if rerr != nil {
		return proto, 0, rerr
	}
	h.stats.exemplarsDropped.Add(uint64(st.exemplars))
	h.stats.samplesRejected.Add(uint64(st.rejected.samples))
	if b.samples > 0 || b.withMeta > 0 {
		if err := h.consume(r.Context(), b.md); err != nil {
			h.stats.samplesRejected.Add(uint64(b.samples))
			return proto, 0, consumeError(err)
		}
	}
	h.stats.samplesAccepted.Add(uint64(b.samples))
	h.stats.metadataAccepted.Add(uint64(b.withMeta))
	return proto, b.samples, st.rejected.err()
}

// respond writes the answer: 204, or the problem's status and message. A
// 2.0 answer always carries the written counts, partial writes included;
// histograms and exemplars are never written.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, proto protocol, written int, rerr *requestError) {
	if proto == protoV2 {
		hd := w.Header()
		hd.Set(headerSamplesWritten, strconv.Itoa(written))
		hd.Set(headerHistogramsWritten, "0")
		hd.Set(headerExemplarsWritten, "0")
	}
	if rerr == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.stats.rejected[rerr.reason].Add(1)
	level := slog.LevelWarn
	if rerr.status >= 500 {
		level = slog.LevelError
	}
	h.logger.Log(r.Context(), level, "remote write request rejected",
		"status", rerr.status, "reason", string(rerr.reason), "remote", r.RemoteAddr, "err", rerr.err)
	if rerr.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	http.Error(w, rerr.Error(), rerr.status)
}
