package telemetry

import (
	"math/rand/v2"
	"net/http"

	"github.com/meshlens/meshlens/proxy/telemetry/b3"
	"github.com/meshlens/meshlens/proxy/telemetry/istiometrics"
)

var _ Observer = (*Telemetry)(nil)

// headerRequestID is x-request-id's canonical key.
const headerRequestID = "X-Request-Id"

// observation is one request in flight.
type observation struct {
	t         *Telemetry
	dir       Direction
	requestID string
	ctx       b3.Context
	traced    bool // a span exists (B3 headers were injected)
	shared    bool
}

// RequestID implements Observation.
func (o *observation) RequestID() string { return o.requestID }

// TraceContext is the B3 context Begin settled on; ok is false when the
// request is not traced (tracing off, or malformed B3 headers).
func (o *observation) TraceContext() (b3.Context, bool) { return o.ctx, o.traced }

// Begin implements Observer. It sets x-request-id to a new UUID v4 when
// absent and, with tracing on, starts the request's span as Envoy's Zipkin
// tracer does and injects its B3 headers into h:
//
//   - Outbound: a CLIENT span, child of the incoming context or the root
//     of a new trace;
//   - Inbound: a SERVER span that reuses the caller's span id (Envoy's
//     default shared_span_context), or a new root without a caller.
//
// A sampling decision in the headers (X-B3-Sampled, b3, debug) is kept;
// otherwise the configured percentage decides, and the decision is
// propagated. Malformed B3 headers leave the request untraced and h's B3
// headers untouched, as in Envoy. h must be canonical (as net/http
// builds it).
func (t *Telemetry) Begin(dir Direction, h http.Header) Observation {
	o := &observation{t: t, dir: dir}
	if v := h[headerRequestID]; len(v) > 0 && v[0] != "" {
		o.requestID = v[0]
	} else {
		o.requestID = newRequestID()
		h[headerRequestID] = []string{o.requestID}
	}
	if t.spans != nil {
		t.startSpan(o, h)
	}
	return o
}

func (t *Telemetry) startSpan(o *observation, h http.Header) {
	in, found, err := b3.Extract(h)
	if err != nil {
		t.badB3.Add(1)
		return
	}
	var c b3.Context
	switch {
	case found == b3.Full && o.dir == Inbound:
		c = in
		o.shared = true
	case found == b3.Full:
		c = b3.Context{TraceIDHigh: in.TraceIDHigh, TraceID: in.TraceID, ParentID: in.SpanID, SpanID: newSpanID()}
	default:
		c.SpanID = newSpanID()
		c.TraceID = c.SpanID // Envoy's root span: trace id = span id
		if t.cfg.Tracing.TraceID128Bit {
			c.TraceIDHigh = newSpanID()
		}
	}
	c.Debug = in.Debug
	switch {
	case in.Debug || in.Sampled == b3.Accept:
		c.Sampled = b3.Accept
	case in.Sampled == b3.Deny:
		c.Sampled = b3.Deny
	case t.sample():
		c.Sampled = b3.Accept
	default:
		c.Sampled = b3.Deny
	}
	_, single := h[b3.HeaderSingle]
	b3.Inject(h, c, single)
	o.ctx, o.traced = c, true
}

// sample draws the sampling decision for a new trace.
func (t *Telemetry) sample() bool {
	switch t.samplePerTenK {
	case 0:
		return false
	case 10000:
		return true
	}
	return rand.Uint64N(10000) < t.samplePerTenK
}

// Finish implements Observation: it records r in the metrics and hands
// copies to the access-log and span writers, which format and send them
// in the background. It never blocks on I/O; r is not retained. The
// direction is Begin's; a zero local peer (Source outbound, Destination
// inbound) is this proxy's identity; an empty RequestID is Begin's.
func (o *observation) Finish(r *Record) {
	t := o.t
	rec := *r
	rec.Direction = o.dir
	t.complete(&rec)
	if rec.RequestID == "" {
		rec.RequestID = o.requestID
	}
	if t.metrics != nil {
		var l istiometrics.HTTPLabels
		t.httpLabels(&rec, &l)
		t.metrics.ObserveHTTP(&l, float64(millis(rec.Duration)), rec.BytesReceived, rec.BytesSent)
	}
	t.log(&rec, o.ctx, o.traced, false)
	if o.traced && o.ctx.IsSampled() {
		t.spans.Enqueue(&spanItem{rec: rec, ctx: o.ctx, shared: o.shared})
	}
}

// complete fills the local side of r from the identity when the core
// left it empty.
func (t *Telemetry) complete(r *Record) {
	local := &r.Source
	if r.Direction == Inbound {
		local = &r.Destination
	}
	if *local == (Peer{}) {
		*local = t.local
	}
}

// log writes r to the access log: formatted now into a pooled buffer for
// stdout and file, or queued as a record for the ALS stream.
func (t *Telemetry) log(r *Record, c b3.Context, traced, tcp bool) {
	switch {
	case t.sink != nil:
		bp := bufPool.Get().(*[]byte)
		b := (*bp)[:0]
		if t.json {
			b = appendJSON(b, r)
		} else {
			b = appendText(b, r)
		}
		t.sink.Write(b)
		*bp = b
		bufPool.Put(bp)
	case t.als != nil:
		it := &alsItem{rec: *r, tcp: tcp}
		if traced {
			it.traceID = c.TraceIDString()
		}
		t.als.Enqueue(it)
	}
}
