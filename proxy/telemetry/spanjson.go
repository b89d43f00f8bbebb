package telemetry

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/internal/jsonesc"
	"github.com/meshlens/meshlens/proxy/telemetry/b3"
)

// appendSpanJSON appends the span buildSpan describes as Zipkin v2 JSON,
// byte for byte what zipkin-go's model.SpanModel marshals to (a test
// holds the two equal), without building the model, its tag map or
// running encoding/json's reflection: that marshal was two thirds of the
// telemetry's CPU at 100% sampling. An item zipkin-go would refuse (a
// start before 1970, a negative duration) appends nothing.
func (t *Telemetry) appendSpanJSON(it *spanItem, b []byte) []byte {
	r, c := &it.rec, &it.ctx
	if r.Duration < 0 || !r.Start.IsZero() && r.Start.Unix() < 1 {
		return b
	}
	b = append(b, '{')
	sep := false
	if !r.Start.IsZero() {
		b = append(b, `"timestamp":`...)
		b = strconv.AppendInt(b, r.Start.Round(time.Microsecond).UnixNano()/1e3, 10)
		sep = true
	}
	if d := zipkinMicros(r.Duration); d != 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"duration":`...)
		b = strconv.AppendInt(b, d, 10)
		sep = true
	}
	if sep {
		b = append(b, ',')
	}
	b = append(b, `"traceId":"`...)
	if c.TraceIDHigh != 0 {
		b = b3.AppendID(b, c.TraceIDHigh)
	}
	b = b3.AppendID(b, c.TraceID)
	b = append(b, `","id":"`...)
	b = b3.AppendID(b, c.SpanID)
	b = append(b, '"')
	if c.ParentID != 0 {
		b = append(b, `,"parentId":"`...)
		b = b3.AppendID(b, c.ParentID)
		b = append(b, '"')
	}
	if c.Debug {
		b = append(b, `,"debug":true`...)
	}
	if name := strings.ToLower(operationName(r)); name != "" {
		b = append(b, `,"name":`...)
		b = jsonesc.AppendQuoted(b, name, true)
	}
	local, remote, remoteAddr := &r.Source, &r.Destination, r.UpstreamHost
	if r.Direction == Inbound {
		b = append(b, `,"kind":"SERVER"`...)
		local, remote, remoteAddr = &r.Destination, &r.Source, r.DownstreamRemoteAddress
	} else {
		b = append(b, `,"kind":"CLIENT"`...)
	}
	if it.shared {
		b = append(b, `,"shared":true`...)
	}
	b = appendEndpoint(b, `,"localEndpoint":`, serviceName(local, t.serviceCluster), t.cfg.Identity.ip())
	b = appendEndpoint(b, `,"remoteEndpoint":`, serviceName(remote, ""), remoteAddr)
	b = append(b, `,"tags":{`...)
	out := tagOut{b: b}
	t.spanTags(it, &out)
	return append(out.b, "}}"...)
}

// zipkinMicros is zipkin-go's duration rounding: to the nearest
// microsecond, and at least 1µs for any positive duration.
func zipkinMicros(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	if d < time.Microsecond {
		return 1
	}
	return int64((d + 500*time.Nanosecond) / time.Microsecond)
}

// appendEndpoint appends member and the endpoint that endpoint(service,
// addr) builds, as zipkin-go marshals it, or nothing for an empty one,
// which zipkin-go omits.
func appendEndpoint(b []byte, member, service, addr string) []byte {
	mark := len(b)
	b = append(b, member...)
	b = append(b, '{')
	empty := len(b)
	field := func(name string) {
		if len(b) > empty {
			b = append(b, ',')
		}
		b = append(b, name...)
	}
	if service != "" {
		field(`"serviceName":`)
		b = jsonesc.AppendQuoted(b, strings.ToLower(service), true)
	}
	host, port := addr, ""
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() || ip.Is4In6() {
			field(`"ipv4":"`)
			b = ip.Unmap().AppendTo(b)
		} else {
			field(`"ipv6":"`)
			b = ip.WithZone("").AppendTo(b)
		}
		b = append(b, '"')
	}
	if p, err := strconv.ParseUint(port, 10, 16); err == nil && p != 0 {
		field(`"port":`)
		b = strconv.AppendUint(b, p, 10)
	}
	if len(b) == empty {
		return b[:mark]
	}
	return append(b, '}')
}
