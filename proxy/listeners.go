package proxy

import (
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
	"github.com/meshlens/meshlens/proxy/upstream"
)

// newRecord starts the access-log record of a request that just arrived.
func newRecord(dir telemetry.Direction, r *http.Request, start time.Time, authority, path string, requestID string) *telemetry.Record {
	rec := &telemetry.Record{
		Direction: dir, Start: start, Method: r.Method, Path: path, Protocol: protocol(r),
		UpstreamServiceTime: -1, XForwardedFor: r.Header.Get(headerForwardedFor), UserAgent: r.Header.Get(headerUserAgent),
		RequestID: requestID, Authority: authority, DownstreamRemoteAddress: r.RemoteAddr,
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		rec.DownstreamLocalAddress = a.String()
	}
	return rec
}

// serveOutbound handles a call the local app makes, either as a forward
// proxy request (absolute URI) or with Host naming a service.
func (p *Proxy) serveOutbound(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	t := p.table.Load()
	authority, path := r.Host, r.RequestURI
	if r.URL.IsAbs() {
		authority, path = r.URL.Host, r.URL.RequestURI()
	}
	removeHopHeaders(r.Header)
	r.Header.Del(peerHeader) // the app must not speak for another workload
	obs := p.obs.Begin(telemetry.Outbound, r.Header)
	rec := newRecord(telemetry.Outbound, r, start, authority, path, obs.RequestID())
	rec.Source = p.self
	var fl flags
	out := p.routeOutbound(w, r, t, authority, rec, &fl)
	sendNow(w, r, rec, out)
	rec.Duration = time.Since(start)
	rec.ResponseFlags = fl.String()
	obs.Finish(rec)
	if out.abort {
		panic(http.ErrAbortHandler) // reset the downstream stream, as Envoy does
	}
}

func (p *Proxy) routeOutbound(w http.ResponseWriter, r *http.Request, t *route.Table, authority string, rec *telemetry.Record, fl *flags) outcome {
	svc, port, ok := t.LookupHost(authority)
	if !ok || r.Method == http.MethodConnect {
		localReply(w, rec, http.StatusNotFound, detailsRouteNotFound, "")
		fl.set(flagNR)
		return outcome{}
	}
	rec.Destination = telemetry.Peer{Service: svc.FQDN, Namespace: svc.Namespace, App: svc.Name}
	rreq := route.Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Scheme: "http",
		Authority: authority, Port: port, Header: r.Header}
	sel, ok := svc.Select(&rreq)
	if !ok {
		localReply(w, rec, http.StatusNotFound, detailsRouteNotFound, "")
		fl.set(flagNR)
		return outcome{}
	}
	rt := sel.Route
	rec.RouteName = rt.Name
	if rec.RouteName == "" {
		rec.RouteName = "default"
	}
	d := rt.Pick()
	rec.UpstreamCluster = d.ClusterName
	if f := rt.Fault; f != nil {
		if f.Delay > 0 && hit(f.DelayFraction) {
			fl.set(flagDI)
			if !sleepCtx(r.Context(), f.Delay) {
				fl.set(flagDC)
				rec.ResponseCodeDetails = detailsDownstreamGone
				return outcome{}
			}
		}
		if f.AbortStatus != 0 && hit(f.AbortFraction) {
			fl.set(flagFI)
			localReply(w, rec, f.AbortStatus, detailsFaultAbort, "fault filter abort")
			return outcome{}
		}
	}
	if d.Cluster == nil {
		localReply(w, rec, http.StatusServiceUnavailable, detailsClusterNotFound, "")
		fl.set(flagNC)
		return outcome{}
	}
	r.Header.Set(peerHeader, p.selfHdr)
	rt.Headers.ApplyRequest(r.Header)
	d.Headers.ApplyRequest(r.Header)
	if sel.Rewritten { // as Envoy, keep the original path for the app
		if sel.Path != r.URL.Path {
			r.Header.Set(headerOriginalPath, r.URL.Path)
			r.URL.Path, r.URL.RawPath = sel.Path, ""
		}
		authority = sel.Authority
	}
	pl := plan{cluster: d.Cluster, retry: &rt.Retry, timeout: rt.Timeout, authority: authority,
		respHeaders: [2]*route.HeaderOps{d.Headers, rt.Headers}}
	out := p.forward(w, r, rec, &pl, fl)
	if h := out.host; h != nil {
		setPeerFromHost(&rec.Destination, h)
	}
	return out
}

func setPeerFromHost(dst *telemetry.Peer, h *upstream.Host) {
	dst.Workload = h.Workload
	if a := h.Labels["app"]; a != "" {
		dst.App = a
	}
	dst.Version = h.Labels["version"]
}

// hit draws a fault-injection coin with probability frac.
func hit(frac float64) bool {
	switch {
	case frac >= 1:
		return true
	case frac <= 0:
		return false
	}
	return rand.Float64() < frac
}

// serveInbound handles a request arriving for the local app.
func (p *Proxy) serveInbound(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	removeHopHeaders(r.Header)
	peer := decodePeer(r.Header.Get(peerHeader))
	r.Header.Del(peerHeader)
	obs := p.obs.Begin(telemetry.Inbound, r.Header)
	rec := newRecord(telemetry.Inbound, r, start, r.Host, r.RequestURI, obs.RequestID())
	rec.Source = peer
	rec.Destination = p.self
	rec.UpstreamCluster = p.inbName
	rec.RouteName = "default"
	var fl flags
	pl := plan{cluster: p.inbound, authority: r.Host}
	out := p.forward(w, r, rec, &pl, &fl)
	sendNow(w, r, rec, out)
	rec.Duration = time.Since(start)
	rec.ResponseFlags = fl.String()
	obs.Finish(rec)
	if out.abort {
		panic(http.ErrAbortHandler)
	}
}

// protocol is Envoy's %PROTOCOL%: "HTTP/1.1", "HTTP/1.0" or "HTTP/2".
func protocol(r *http.Request) string {
	if r.ProtoMajor == 2 {
		return "HTTP/2"
	}
	return r.Proto
}
