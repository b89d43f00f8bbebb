package jaegerapi

import (
	"slices"

	"github.com/meshlens/meshlens/storage"
)

// uniquifySpanIDs is Jaeger's span-id uniquifier adjuster: a server span
// that shares its id with a client span of the same trace (a B3 "shared"
// span, as Envoy and Zipkin tracers report both sides of one RPC) gets the
// lowest id the trace does not use (1, 2, …), and the shared id becomes its
// parent, so the UI shows the client span with the server span under it.
// Spans whose parent was the shared id (the server side's children) move
// under the new id. spans is not modified: the result is a copy when
// anything changed, else spans itself.
func uniquifySpanIDs(spans []storage.Span) []storage.Span {
	used := make(map[uint64]bool, len(spans))
	client := map[uint64]bool{}
	for i := range spans {
		used[spans[i].SpanID] = true
		if spans[i].Kind == "client" {
			client[spans[i].SpanID] = true
		}
	}
	var out []storage.Span
	renamed := map[uint64]uint64{}
	var last uint64
	for i := range spans {
		s := &spans[i]
		if s.Kind != "server" || !client[s.SpanID] {
			continue
		}
		if out == nil {
			out = slices.Clone(spans)
		}
		for last++; used[last]; last++ {
		}
		used[last] = true
		renamed[s.SpanID] = last
		out[i].ParentID, out[i].SpanID = s.SpanID, last
	}
	if out == nil {
		return spans
	}
	for i := range out {
		if id, ok := renamed[out[i].ParentID]; ok && out[i].SpanID != id {
			out[i].ParentID = id
		}
	}
	return out
}
