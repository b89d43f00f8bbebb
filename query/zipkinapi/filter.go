package zipkinapi

import (
	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
)

// postFilter holds the search conditions storage.TraceQuery cannot carry:
// a remote service name and annotationQuery's bare words. As in Zipkin's
// QueryRequest.test, each must be met by some span of the searched service
// (any span when no service is given).
type postFilter struct {
	service       string
	remoteService string
	words         []string // annotation values or tag keys
}

// active reports whether keep can drop traces, so searches fetch more.
func (p postFilter) active() bool { return p.remoteService != "" || len(p.words) > 0 }

// keep reports whether the trace meets every condition.
func (p postFilter) keep(spans []storage.Span) bool {
	remoteOK := p.remoteService == ""
	found := make([]bool, len(p.words))
	for i := range spans {
		s := &spans[i]
		if p.service != "" && s.Service != p.service {
			continue
		}
		if s.PeerService == p.remoteService {
			remoteOK = true
		}
		if len(p.words) == 0 {
			continue
		}
		tags := tracefmt.Tags(s)
		for w, word := range p.words {
			if !found[w] {
				found[w] = hasAnnotation(s, word) || hasKey(tags, word)
			}
		}
	}
	for _, f := range found {
		if !f {
			return false
		}
	}
	return remoteOK
}

func hasAnnotation(s *storage.Span, value string) bool {
	for _, e := range s.Events {
		if e.Name == value {
			return true
		}
	}
	return false
}

func hasKey(tags []storage.KeyValue, key string) bool {
	_, ok := tracefmt.Lookup(tags, key)
	return ok
}
