package zipkinapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// Attribute keys, newest convention last, that hold an endpoint's address
// and port. The OpenTelemetry Zipkin receiver stores endpoints under the
// first of each list; the others are what OTLP producers send.
var (
	localIPKeys    = []string{"net.host.ip", "net.sock.host.addr", "network.local.address"}
	localPortKeys  = []string{"net.host.port", "net.sock.host.port", "network.local.port"}
	remoteIPKeys   = []string{"net.peer.ip", "net.sock.peer.addr", "network.peer.address"}
	remotePortKeys = []string{"net.peer.port", "net.sock.peer.port", "network.peer.port"}
)

// toSpans converts a stored trace to Zipkin spans, in stored order.
func toSpans(spans []storage.Span) []Span {
	out := make([]Span, len(spans))
	for i := range spans {
		out[i] = toSpan(&spans[i])
	}
	return out
}

// toSpan converts one stored span, the inverse of what the Zipkin receiver
// does on ingest: typed columns go back into tags, endpoint attributes
// back into endpoints, the error status back into error=true and events
// into annotations ("name|{json attributes}|0" when they have attributes,
// the OpenTelemetry Zipkin exporter's format).
func toSpan(s *storage.Span) Span {
	tags := tracefmt.Tags(s)
	if _, ok := tracefmt.Lookup(tags, rowconv.AttrZipkinError); !ok && s.StatusCode == tracefmt.StatusError {
		tags = append(tags, storage.KeyValue{Key: rowconv.AttrZipkinError, Value: "true"})
	}
	z := Span{
		TraceID: tracefmt.TraceIDString(s.TraceID),
		ID:      tracefmt.SpanIDString(s.SpanID),
		Kind:    strings.ToUpper(string(s.Kind)),
		Name:    s.Name,
		Debug:   s.Debug,
		Shared:  s.Shared,
	}
	if s.ParentID != 0 {
		z.ParentID = tracefmt.SpanIDString(s.ParentID)
	}
	if !s.Start.IsZero() {
		z.Timestamp = s.Start.UnixMicro()
	}
	z.Duration = s.DurationMicros
	z.LocalEndpoint = endpoint(&tags, s.Service, localIPKeys, localPortKeys)
	remote, ok := take(&tags, rowconv.AttrPeerService, accept)
	if !ok {
		remote, _ = take(&tags, rowconv.AttrServicePeerName, accept)
	}
	zipkinTagNames(tags)
	z.RemoteEndpoint = endpoint(&tags, remote, remoteIPKeys, remotePortKeys)
	z.Annotations = annotations(s.Events)
	z.Tags = newTags(tags)
	return z
}

// zipkinTagNames renames, in place, the tags that current OpenTelemetry
// conventions (and so the contrib Zipkin translator at ingest) name
// differently from Zipkin, unless the Zipkin name is there too.
func zipkinTagNames(tags []storage.KeyValue) {
	for i, kv := range tags {
		if kv.Key == rowconv.AttrHTTPResponseStatusCode {
			if _, dup := tracefmt.Lookup(tags, rowconv.AttrHTTPStatusCode); !dup {
				tags[i].Key = rowconv.AttrHTTPStatusCode
			}
		}
	}
}

// endpoint builds an endpoint from service and the first address and port
// attributes present, taking the attributes it used out of tags. It is nil
// when nothing is known.
func endpoint(tags *[]storage.KeyValue, service string, ipKeys, portKeys []string) *Endpoint {
	e := Endpoint{ServiceName: service}
	for _, k := range ipKeys {
		if ip, ok := take(tags, k, func(v string) bool { return v != "" }); ok {
			if strings.Contains(ip, ":") {
				e.IPv6 = ip
			} else {
				e.IPv4 = ip
			}
			break
		}
	}
	for _, k := range portKeys {
		// A port that is not one stays a tag rather than being lost.
		if p, ok := take(tags, k, isPort); ok {
			e.Port, _ = strconv.Atoi(p)
			break
		}
	}
	if e == (Endpoint{}) {
		return nil
	}
	return &e
}

// take removes the first tag named key from tags and returns its value,
// if ok accepts the value.
func take(tags *[]storage.KeyValue, key string, ok func(string) bool) (string, bool) {
	for i, kv := range *tags {
		if kv.Key == key {
			if !ok(kv.Value) {
				return "", false
			}
			*tags = slices.Delete(*tags, i, i+1)
			return kv.Value, true
		}
	}
	return "", false
}

func accept(string) bool { return true }

func isPort(v string) bool {
	p, err := strconv.ParseUint(v, 10, 16)
	return err == nil && p > 0
}

func annotations(events []storage.SpanEvent) []Annotation {
	if len(events) == 0 {
		return nil
	}
	out := make([]Annotation, len(events))
	for i, e := range events {
		out[i] = Annotation{Timestamp: e.Time.UnixMicro(), Value: e.Name}
		if len(e.Attrs) > 0 {
			m := make(map[string]string, len(e.Attrs))
			for _, kv := range e.Attrs {
				m[kv.Key] = kv.Value
			}
			js, _ := json.Marshal(m) // a map of strings always encodes
			out[i].Value = fmt.Sprintf("%s|%s|0", e.Name, js)
		}
	}
	slices.SortStableFunc(out, func(a, b Annotation) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return out
}

// toLinks converts dependency links, dropping none.
func toLinks(links []storage.DependencyLink) []DependencyLink {
	out := make([]DependencyLink, len(links))
	for i, l := range links {
		out[i] = DependencyLink{Parent: l.Parent, Child: l.Child, CallCount: l.CallCount, ErrorCount: l.ErrorCount}
	}
	return out
}
