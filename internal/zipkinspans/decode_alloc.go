package zipkinspans

import (
	"sync"

	zipkinmodel "github.com/openzipkin/zipkin-go/model"
)

// decoders keeps decoders, with their scratch buffers and string caches,
// between calls of DecodeJSONV2.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// internMax is the longest string the cache holds: tag keys, service and
// span names and short tag values ("200", "GET") repeat from span to span
// and batch to batch; long values (URLs, ids) seldom do.
const internMax = 32

// stringCache interns strings in a direct-mapped table: a hit returns the
// cached string, a miss makes a new one and replaces the slot's. It only
// ever holds internMax×len bytes of string.
type stringCache [256]string

// get returns b as a string, from the cache if it holds the same bytes.
func (c *stringCache) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > internMax {
		return string(b)
	}
	// A cheap hash of the length and three bytes: a collision only costs
	// the allocation the cache would have saved.
	n := len(b)
	h := (uint32(n) | uint32(b[0])<<8 | uint32(b[n/2])<<16 | uint32(b[n-1])<<24) * 0x9E3779B1
	slot := &c[h>>24]
	if *slot == string(b) {
		return *slot
	}
	s := string(b)
	*slot = s
	return s
}

// spanAlloc hands out the structs of decoded spans from chunks shared by
// a batch, so that a batch costs a few allocations rather than a few per
// span. The chunks go with the spans: a span keeps its chunk alive, which
// suits spans that are translated and dropped together.
type spanAlloc struct {
	spans     []zipkinmodel.SpanModel
	endpoints []zipkinmodel.Endpoint
	ids       []zipkinmodel.ID
	chunk     int // length of the next chunks, in spans
}

// expect sizes the next chunks for about n more spans.
func (a *spanAlloc) expect(n int) {
	a.chunk = min(max(n, 1), 64)
}

func (a *spanAlloc) span() *zipkinmodel.SpanModel {
	if a == nil {
		return new(zipkinmodel.SpanModel)
	}
	if len(a.spans) == 0 {
		a.spans = make([]zipkinmodel.SpanModel, a.chunk)
	}
	s := &a.spans[0]
	a.spans = a.spans[1:]
	return s
}

func (a *spanAlloc) endpoint() *zipkinmodel.Endpoint {
	if a == nil {
		return new(zipkinmodel.Endpoint)
	}
	if len(a.endpoints) == 0 {
		a.endpoints = make([]zipkinmodel.Endpoint, 2*a.chunk)
	}
	e := &a.endpoints[0]
	a.endpoints = a.endpoints[1:]
	return e
}

func (a *spanAlloc) id(v zipkinmodel.ID) *zipkinmodel.ID {
	if a == nil {
		return &v
	}
	if len(a.ids) == 0 {
		a.ids = make([]zipkinmodel.ID, a.chunk)
	}
	p := &a.ids[0]
	a.ids = a.ids[1:]
	*p = v
	return p
}
