package rollup

import (
	"strconv"
	"strings"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// Span tags Istio's proxies set on their spans, used to name a span's own
// workload.
const (
	tagCanonicalService  = "istio.canonical_service"
	tagCanonicalRevision = "istio.canonical_revision"
	tagNamespace         = "istio.namespace"
	tagRequestSize       = "request_size"
	tagResponseSize      = "response_size"
)

// AddSpans adds one batch of spans (source "spans"). Each client span is a
// call observed by the caller (reporter "source"): the caller is the span's
// own service, the callee comes from its upstream cluster
// (`outbound|port|subset|fqdn`) or else its peer service, else "unknown".
// Each server span is a call observed by the callee (reporter
// "destination"): the callee is the span's own service, the caller the
// service of its parent client span (or, for a B3 shared span, the client
// span with the same id) when that span is in the same batch, else
// "unknown". Other span kinds are not calls and are skipped.
//
// A span's own service is its istio.canonical_service tag when present,
// else its service name, with Istio's ".namespace" suffix removed; its
// namespace the istio.namespace tag (or that suffix), its version the
// istio.canonical_revision tag. The code is the HTTP status; errors are
// storage.IsFailure(status, response flags) or, without a status, an error
// span status. Protocol is "grpc" for spans with rpc.system=grpc or a
// grpc.* tag, "http" for spans with an HTTP method or status, else "tcp".
// Bytes come from Envoy's request_size/response_size tags when present.
// mTLS is unknown from spans.
func (b *Builder) AddSpans(spans []storage.Span) {
	type spanKey struct {
		trace storage.TraceID
		span  uint64
	}
	clients := map[spanKey]int{}
	for i := range spans {
		if spans[i].Kind == "client" {
			clients[spanKey{spans[i].TraceID, spans[i].SpanID}] = i
		}
	}
	for i := range spans {
		s := &spans[i]
		var k storage.RollupKey
		self := spanWorkload(s)
		switch s.Kind {
		case "client":
			k.Reporter = "source"
			k.Edge.SourceService, k.Edge.SourceNamespace, k.Edge.SourceVersion = self.svc, self.ns, self.ver
			k.Edge.DestinationService, k.Edge.DestinationNamespace, k.Edge.DestinationVersion = spanCallee(s)
		case "server":
			k.Reporter = "destination"
			k.Edge.DestinationService, k.Edge.DestinationNamespace, k.Edge.DestinationVersion = self.svc, self.ns, self.ver
			k.Edge.SourceService = cluster.Unknown
			parent, ok := clients[spanKey{s.TraceID, s.ParentID}]
			if s.Shared {
				parent, ok = clients[spanKey{s.TraceID, s.SpanID}]
			}
			if ok {
				caller := spanWorkload(&spans[parent])
				k.Edge.SourceService, k.Edge.SourceNamespace, k.Edge.SourceVersion = caller.svc, caller.ns, caller.ver
			}
		default:
			continue
		}
		k.Minute = Minute(s.Start)
		k.Source = storage.RollupSourceSpans
		k.CodeClass = codeClass(s.HTTPStatus)
		k.Edge.Protocol = spanProtocol(s)
		c := outcome(s.HTTPStatus, s.ResponseFlags)
		if s.HTTPStatus == 0 && s.StatusCode == 2 && c.Errors == 0 {
			c.Errors, c.ClientErrors = 1, 0
		}
		c.BytesIn, c.BytesOut = attrInt(s, tagRequestSize), attrInt(s, tagResponseSize)
		ms := -1.0
		if s.DurationMicros >= 0 {
			ms = float64(s.DurationMicros) / 1000
		}
		b.observe(k, c, ms)
	}
}

type workload struct{ svc, ns, ver string }

func spanWorkload(s *storage.Span) workload {
	w := workload{svc: attr(s, tagCanonicalService), ns: attr(s, tagNamespace), ver: attr(s, tagCanonicalRevision)}
	if w.svc == "" {
		w.svc = s.Service
		if w.ns != "" {
			w.svc = strings.TrimSuffix(w.svc, "."+w.ns)
		} else if i := strings.LastIndexByte(w.svc, '.'); i > 0 && i < len(w.svc)-1 && !strings.Contains(w.svc[:i], ".") {
			// Istio names its proxies' spans "service.namespace".
			w.svc, w.ns = w.svc[:i], w.svc[i+1:]
		}
	}
	if w.ver == "unknown" || w.ver == "latest" {
		w.ver = ""
	}
	w.svc = orUnknown(w.svc)
	return w
}

func spanCallee(s *storage.Span) (svc, ns, ver string) {
	if c := cluster.Parse(s.UpstreamCluster); c.Direction == "outbound" && c.FQDN != "" {
		svc, ns = cluster.ServiceNamespace(c.FQDN)
		return svc, ns, c.Subset
	}
	if s.PeerService != "" {
		return s.PeerService, "", ""
	}
	if s.UpstreamCluster != "" && cluster.Parse(s.UpstreamCluster).Direction == "" {
		return s.UpstreamCluster, "", "" // PassthroughCluster or an external cluster
	}
	return cluster.Unknown, "", ""
}

func spanProtocol(s *storage.Span) string {
	for _, kv := range s.Attrs {
		if (kv.Key == "rpc.system" && kv.Value == "grpc") || strings.HasPrefix(kv.Key, "grpc.") {
			return "grpc"
		}
	}
	if s.HTTPMethod != "" || s.HTTPStatus != 0 || s.HTTPRoute != "" {
		return "http"
	}
	return "tcp"
}

func attr(s *storage.Span, key string) string {
	for _, kv := range s.Attrs {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

func attrInt(s *storage.Span, key string) int64 {
	n, err := strconv.ParseInt(attr(s, key), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
