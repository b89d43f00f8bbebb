package telemetry

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/meshlens/meshlens/internal/jsonesc"
	"github.com/meshlens/meshlens/proxy/telemetry/b3"
)

// spanItem is what Finish hands the span reporter: a copy of the record
// and the span's context. The reporter's goroutine builds the Zipkin span
// (and its tag map) off the request path.
type spanItem struct {
	rec    Record
	ctx    b3.Context
	shared bool // a server span reusing the client's span id
}

// buildSpan fills s as Envoy's Zipkin tracer reports the span of one
// request. It is the readable reference for appendSpanJSON, which
// encodes the same span without the model (tests hold them equal): kind CLIENT outbound, SERVER inbound (shared when it reuses
// the caller's span id), Istio's operation name, the local service
// <app>.<namespace>, and Envoy's and Istio's standard tags.
func (t *Telemetry) buildSpan(it *spanItem, s *model.SpanModel) {
	r, c := &it.rec, &it.ctx
	s.TraceID = model.TraceID{High: c.TraceIDHigh, Low: c.TraceID}
	s.ID = model.ID(c.SpanID)
	if c.ParentID != 0 {
		p := model.ID(c.ParentID)
		s.ParentID = &p
	}
	s.Debug = c.Debug
	s.Shared = it.shared
	s.Kind = model.Client
	local, remote := &r.Source, &r.Destination
	remoteAddr := r.UpstreamHost
	if r.Direction == Inbound {
		s.Kind = model.Server
		local, remote = &r.Destination, &r.Source
		remoteAddr = r.DownstreamRemoteAddress
	}
	s.Name = operationName(r)
	s.Timestamp = r.Start
	s.Duration = r.Duration
	s.LocalEndpoint = endpoint(serviceName(local, t.serviceCluster), t.cfg.Identity.ip())
	s.RemoteEndpoint = endpoint(serviceName(remote, ""), remoteAddr) // omitted when empty

	s.Tags = make(map[string]string, 24)
	t.spanTags(it, &tagOut{m: s.Tags})
}

// spanTags writes the span's tags, in the byte order of their keys (the
// order encoding/json writes a map in, which appendSpanJSON relies on):
// Envoy's (component, downstream_cluster, error, guid:x-request-id,
// http.*, node_id, peer.address, request_size, response_flags,
// response_size, upstream_cluster, user_agent, zone) and Istio's
// (istio.*).
func (t *Telemetry) spanTags(it *spanItem, out *tagOut) {
	r := &it.rec
	id := &t.cfg.Identity
	out.str("component", "proxy")
	out.str("downstream_cluster", "-")
	if r.ResponseCode == 0 || r.ResponseCode >= 500 {
		out.str("error", "true") // as Envoy: no response, or a 5xx
	}
	out.str("guid:x-request-id", r.RequestID)
	out.str("http.method", r.Method)
	out.str("http.protocol", r.Protocol)
	out.str("http.status_code", codeString(r.ResponseCode))
	out.url("http.url", r.Authority, r.Path)
	if id.Version != "" {
		out.str("istio.canonical_revision", id.Version)
	}
	if id.App != "" {
		out.str("istio.canonical_service", id.App)
	}
	if id.MeshID != "" {
		out.str("istio.mesh_id", id.MeshID)
	}
	if id.Namespace != "" {
		out.str("istio.namespace", id.Namespace)
	}
	out.str("node_id", t.nodeID)
	if host, _, err := net.SplitHostPort(r.DownstreamRemoteAddress); err == nil {
		out.str("peer.address", host)
	}
	out.int("request_size", r.BytesReceived)
	out.str("response_flags", dash(r.ResponseFlags))
	out.int("response_size", r.BytesSent)
	out.str("upstream_cluster", dash(r.UpstreamCluster))
	out.str("user_agent", dash(r.UserAgent))
	if id.Zone != "" {
		out.str("zone", id.Zone)
	}
}

// tagOut receives tags: into a map (buildSpan) or, without building any
// string, as JSON members appended to b (appendSpanJSON).
type tagOut struct {
	m    map[string]string
	b    []byte
	more bool // a member was written: the next needs a comma
}

func (o *tagOut) key(k string) {
	if o.more {
		o.b = append(o.b, ',')
	}
	o.more = true
	o.b = jsonesc.AppendQuoted(o.b, k, true)
	o.b = append(o.b, ':')
}

func (o *tagOut) str(k, v string) {
	if o.m != nil {
		o.m[k] = v
		return
	}
	o.key(k)
	o.b = jsonesc.AppendQuoted(o.b, v, true)
}

func (o *tagOut) int(k string, v int64) {
	if o.m != nil {
		o.m[k] = strconv.FormatInt(v, 10)
		return
	}
	o.key(k)
	o.b = append(o.b, '"')
	o.b = strconv.AppendInt(o.b, v, 10)
	o.b = append(o.b, '"')
}

// url writes http://<authority><path>, as Envoy's http.url tag.
func (o *tagOut) url(k, authority, path string) {
	if o.m != nil {
		o.m[k] = "http://" + authority + path
		return
	}
	o.key(k)
	o.b = append(o.b, `"http://`...)
	o.b = jsonesc.AppendEscaped(o.b, authority, true)
	o.b = jsonesc.AppendEscaped(o.b, path, true)
	o.b = append(o.b, '"')
}

// operationName is Istio's span name, its route decorator
// <service FQDN>:<port>/*, with the port taken from the cluster name
// (outbound|9080|v1|reviews... or inbound|9080||). Without a service it is
// the authority and path, as Envoy names undecorated spans.
func operationName(r *Record) string {
	svc := r.Destination.Service
	if svc != "" {
		if port := clusterPort(r.UpstreamCluster); port != "" {
			return svc + ":" + port + "/*"
		}
		return svc + "/*"
	}
	path, _, _ := strings.Cut(r.Path, "?")
	return r.Authority + path
}

// clusterPort returns the port field of an Istio cluster name.
func clusterPort(cluster string) string {
	parts := strings.SplitN(cluster, "|", 4)
	if len(parts) >= 2 && (parts[0] == "outbound" || parts[0] == "inbound") {
		return parts[1]
	}
	return ""
}

// serviceName is <app>.<namespace> as Istio names a workload in Zipkin;
// fallback is used when the peer is unknown.
func serviceName(p *Peer, fallback string) string {
	app := p.App
	if app == "" {
		app = p.Workload
	}
	if app == "" {
		return fallback
	}
	if p.Namespace == "" {
		return app
	}
	return app + "." + p.Namespace
}

// endpoint builds a Zipkin endpoint from a service name and an "ip",
// "ip:port" or empty address.
func endpoint(service, addr string) *model.Endpoint {
	ep := &model.Endpoint{ServiceName: service}
	host, port := addr, ""
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() || ip.Is4In6() {
			ep.IPv4 = net.IP(ip.Unmap().AsSlice())
		} else {
			ep.IPv6 = net.IP(ip.AsSlice())
		}
	}
	if p, err := strconv.ParseUint(port, 10, 16); err == nil {
		ep.Port = uint16(p)
	}
	return ep
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
