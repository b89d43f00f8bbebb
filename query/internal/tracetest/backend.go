package tracetest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// Backend is an in-memory fake of the trace seams: storage.TraceReader,
// DependencyReader, RemoteServiceReader and AutocompleteReader. It answers
// from Spans and Links and records the last query it was given, so tests
// can check how an API translated its parameters. When Err is set, every
// method returns it.
type Backend struct {
	Spans            []storage.Span
	Links            []storage.DependencyLink
	AutocompleteTags []string // keys configured for autocompletion
	Err              error

	mu        sync.Mutex
	lastQuery storage.TraceQuery
	lastDeps  [2]time.Time // end, end-lookback
}

// NewBackend returns a Backend over the fixture spans and links, with
// http.method and upstream_cluster configured for autocompletion.
func NewBackend() *Backend {
	return &Backend{Spans: Spans(), Links: Links(),
		AutocompleteTags: []string{rowconv.AttrHTTPMethod, rowconv.AttrUpstreamCluster}}
}

// TraceReaderOnly hides every ability of a backend but storage.TraceReader.
type TraceReaderOnly struct{ storage.TraceReader }

// LastQuery is the last TraceQuery FindTraces received.
func (b *Backend) LastQuery() storage.TraceQuery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastQuery
}

// LastDependencyWindow is the [start, end] the last Dependencies call asked for.
func (b *Backend) LastDependencyWindow() (start, end time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastDeps[1], b.lastDeps[0]
}

// Services implements storage.TraceReader.
func (b *Backend) Services(context.Context) ([]string, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	var out []string
	for _, s := range b.Spans {
		out = append(out, s.Service)
	}
	return sortedUnique(out), nil
}

// Operations implements storage.TraceReader; kind "" means every kind.
func (b *Backend) Operations(_ context.Context, service string, kind storage.SpanKind) ([]storage.Operation, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	var out []storage.Operation
	for _, s := range b.Spans {
		op := storage.Operation{Name: s.Name, Kind: s.Kind}
		if s.Service == service && (kind == "" || kind == s.Kind) && !slices.Contains(out, op) {
			out = append(out, op)
		}
	}
	slices.SortFunc(out, func(a, b storage.Operation) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		if a.Kind < b.Kind {
			return -1
		}
		return 0
	})
	return out, nil
}

// FindTraces implements storage.TraceReader: a trace matches when one of its
// spans matches every set field of q.
func (b *Backend) FindTraces(_ context.Context, q storage.TraceQuery) ([]storage.Trace, error) {
	b.mu.Lock()
	b.lastQuery = q
	b.mu.Unlock()
	if b.Err != nil {
		return nil, b.Err
	}
	var out []storage.Trace
	for _, t := range Group(b.Spans) {
		if slices.ContainsFunc(t.Spans, func(s storage.Span) bool { return matches(&s, q) }) {
			out = append(out, t)
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

func matches(s *storage.Span, q storage.TraceQuery) bool {
	d := time.Duration(s.DurationMicros) * time.Microsecond
	switch {
	case q.Service != "" && s.Service != q.Service,
		q.Operation != "" && s.Name != q.Operation,
		!q.Start.IsZero() && s.Start.Before(q.Start),
		!q.End.IsZero() && s.Start.After(q.End),
		q.MinDuration != 0 && d < q.MinDuration,
		q.MaxDuration != 0 && d > q.MaxDuration:
		return false
	}
	tags := tracefmt.Tags(s)
	for k, v := range q.Tags {
		if got, ok := tracefmt.Lookup(tags, k); !ok || got != v {
			return false
		}
	}
	return true
}

// GetTrace implements storage.TraceReader.
func (b *Backend) GetTrace(_ context.Context, id storage.TraceID) (storage.Trace, error) {
	if b.Err != nil {
		return storage.Trace{}, b.Err
	}
	for _, t := range Group(b.Spans) {
		if t.ID == id {
			return t, nil
		}
	}
	return storage.Trace{}, storage.ErrNotFound
}

// TracesByRequestID implements storage.TraceReader.
func (b *Backend) TracesByRequestID(_ context.Context, requestID string) ([]storage.Trace, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	var out []storage.Trace
	for _, t := range Group(b.Spans) {
		if slices.ContainsFunc(t.Spans, func(s storage.Span) bool { return s.RequestID == requestID }) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, storage.ErrNotFound
	}
	return out, nil
}

// Dependencies implements storage.DependencyReader; it returns Links
// whatever the window, and records the window.
func (b *Backend) Dependencies(_ context.Context, end time.Time, lookback time.Duration) ([]storage.DependencyLink, error) {
	b.mu.Lock()
	b.lastDeps = [2]time.Time{end, end.Add(-lookback)}
	b.mu.Unlock()
	if b.Err != nil {
		return nil, b.Err
	}
	return slices.Clone(b.Links), nil
}

// RemoteServices implements storage.RemoteServiceReader.
func (b *Backend) RemoteServices(_ context.Context, service string) ([]string, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	var out []string
	for _, s := range b.Spans {
		if s.Service == service && s.PeerService != "" {
			out = append(out, s.PeerService)
		}
	}
	return sortedUnique(out), nil
}

// AutocompleteKeys implements storage.AutocompleteReader.
func (b *Backend) AutocompleteKeys(context.Context) ([]string, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	return sortedUnique(slices.Clone(b.AutocompleteTags)), nil
}

// AutocompleteValues implements storage.AutocompleteReader.
func (b *Backend) AutocompleteValues(_ context.Context, key string) ([]string, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	if !slices.Contains(b.AutocompleteTags, key) {
		return []string{}, nil
	}
	var out []string
	for i := range b.Spans {
		if v, ok := tracefmt.Lookup(tracefmt.Tags(&b.Spans[i]), key); ok {
			out = append(out, v)
		}
	}
	return sortedUnique(out), nil
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return append([]string{}, slices.Compact(s)...)
}
