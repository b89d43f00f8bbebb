// Package graph answers the service graph, per-service RED and per-minute
// series from rollups only (storage.RollupReader): it merges what access
// logs, spans and Istio metrics saw into nodes and edges, says which
// sources saw each edge and where they disagree, and classifies health as
// Kiali does.
package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
	"github.com/meshlens/meshlens/storage/rollup"
)

// Source choices of a query: "auto" merges all three.
const SourceAuto = "auto"

// sourcePreference orders the sources whose numbers an edge or node shows
// under "auto": access logs count every request and time each one;
// metrics count every request but time them only to a histogram bucket;
// spans may be sampled.
var sourcePreference = []string{storage.RollupSourceLogs, storage.RollupSourceMetrics, storage.RollupSourceSpans}

// Query selects a window, a namespace ("" for all) and a source ("auto",
// "logs", "spans" or "metrics").
type Query struct {
	Start, End time.Time
	Namespace  string
	Source     string
}

// Node kinds.
const (
	KindService  = "service"
	KindUnknown  = "unknown"
	KindExternal = "external"
)

// Node is one service version (or the unknown caller, or an external
// destination). Its RED is the traffic it received (each request counted
// once, preferring its own proxy's reports); Sources are the sources that
// saw it on either side of a call.
type Node struct {
	ID        string   `json:"id"`
	Service   string   `json:"service"`
	Namespace string   `json:"namespace"`
	Version   string   `json:"version"`
	Kind      string   `json:"kind"`
	Health    string   `json:"health"`
	RED       RED      `json:"red"`
	Sources   []string `json:"sources"`
}

// Disagreement is one field on which the sources that saw an edge differ
// by more than their error bounds allow (see disagreements).
type Disagreement struct {
	Field  string             `json:"field"`
	Values map[string]float64 `json:"values"`
}

// Edge is the calls from one node to another over one protocol. Its RED
// is the caller's view (preferring the caller's proxy's reports) from the
// best source that saw it (logs, then metrics, then spans); Sources are
// the sources that saw it, Missing the sources with data in the window
// that did not.
type Edge struct {
	ID            string         `json:"id"`
	Source        string         `json:"source"`
	Target        string         `json:"target"`
	Protocol      string         `json:"protocol"`
	Health        string         `json:"health"`
	RED           RED            `json:"red"`
	MTLSShare     *float64       `json:"mtls_share,omitempty"`
	Sources       []string       `json:"sources"`
	Missing       []string       `json:"missing"`
	Disagreements []Disagreement `json:"disagreements"`
}

// Graph is the /graph answer.
type Graph struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Source string    `json:"source"`
	Nodes  []Node    `json:"nodes"`
	Edges  []Edge    `json:"edges"`
}

// Engine answers graph, services and series queries over a RollupReader.
type Engine struct {
	Reader storage.RollupReader
	Health HealthConfig
}

// window aligns q to whole minutes, as rollups count them, and checks it.
func (q Query) window() (start, end time.Time, err error) {
	start = q.Start.UTC().Truncate(time.Minute)
	end = q.End.UTC().Truncate(time.Minute)
	if q.End.After(end) {
		end = end.Add(time.Minute)
	}
	if !end.After(start) {
		return start, end, fmt.Errorf("the window from %s to %s is empty", q.Start.Format(time.RFC3339), q.End.Format(time.RFC3339))
	}
	return start, end, nil
}

// rollupQuery is q's aligned window, namespace and sources as a
// RollupQuery.
func (q Query) rollupQuery() (storage.RollupQuery, error) {
	start, end, err := q.window()
	if err != nil {
		return storage.RollupQuery{}, err
	}
	srcs, err := q.sources()
	if err != nil {
		return storage.RollupQuery{}, err
	}
	return storage.RollupQuery{Start: start, End: end, Namespace: q.Namespace, Sources: srcs}, nil
}

// readQuery reads the rollups of q's window (see read).
func (e *Engine) readQuery(ctx context.Context, q Query) (start, end time.Time, aggs []storage.RollupAggregate, err error) {
	rq, err := q.rollupQuery()
	if err != nil {
		return start, end, nil, err
	}
	aggs, err = e.read(ctx, rq)
	return rq.Start, rq.End, aggs, err
}

func (q Query) sources() ([]string, error) {
	switch q.Source {
	case "", SourceAuto:
		return nil, nil
	case storage.RollupSourceLogs, storage.RollupSourceSpans, storage.RollupSourceMetrics:
		return []string{q.Source}, nil
	}
	return nil, fmt.Errorf("source %q is not one of auto, logs, spans, metrics", q.Source)
}

// endpoint is one side of an edge.
type endpoint struct{ svc, ns, ver string }

func (e endpoint) id(kind string) string {
	switch kind {
	case KindUnknown:
		return "unknown"
	case KindExternal:
		return "external/" + e.svc
	}
	id := e.svc
	if e.ns != "" {
		id = e.ns + "/" + id
	}
	if e.ver != "" {
		id += "/" + e.ver
	}
	return id
}

func srcOf(e *storage.Edge) endpoint {
	return endpoint{e.SourceService, e.SourceNamespace, e.SourceVersion}
}

func dstOf(e *storage.Edge) endpoint {
	return endpoint{e.DestinationService, e.DestinationNamespace, e.DestinationVersion}
}

// perSource holds one aggregate per source.
type perSource map[string]*storage.RollupAggregate

func (p perSource) add(a *storage.RollupAggregate) {
	g := p[a.Source]
	if g == nil {
		g = &storage.RollupAggregate{Source: a.Source, Edge: a.Edge, Latency: storage.NewLatencySketch()}
		p[a.Source] = g
	}
	rollup.MergeAggregate(g, a)
}

// best is the preferred source's aggregate and the sorted sources.
func (p perSource) best() (*storage.RollupAggregate, []string) {
	var srcs []string
	var best *storage.RollupAggregate
	for _, s := range sourcePreference {
		if a := p[s]; a != nil {
			srcs = append(srcs, s)
			if best == nil {
				best = a
			}
		}
	}
	slices.Sort(srcs)
	return best, srcs
}

// Graph builds the service graph of q.
func (e *Engine) Graph(ctx context.Context, q Query) (*Graph, error) {
	start, end, aggs, err := e.readQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	win := end.Sub(start)
	active := map[string]bool{}
	inMesh := map[endpoint]bool{} // endpoints whose own proxy reported
	for i := range aggs {
		a := &aggs[i]
		active[a.Source] = true
		if a.Reporter == "destination" {
			inMesh[dstOf(&a.Edge)] = true
		} else {
			inMesh[srcOf(&a.Edge)] = true
		}
	}
	kind := func(ep endpoint) string {
		switch {
		case ep.svc == cluster.Unknown || ep.svc == "":
			return KindUnknown
		case ep.ns == "" && !inMesh[ep]:
			return KindExternal
		}
		return KindService
	}

	// Edges: the caller's view.
	type edgeKey struct{ src, dst, proto string }
	keyOf := func(e *storage.Edge) edgeKey {
		s, d := srcOf(e), dstOf(e)
		return edgeKey{s.id(kind(s)), d.id(kind(d)), e.Protocol}
	}
	edges := map[edgeKey]perSource{}
	for _, a := range rollup.CallerView(aggs) {
		k := keyOf(&a.Edge)
		if edges[k] == nil {
			edges[k] = perSource{}
		}
		edges[k].add(&a)
	}
	// Transport security is known from the destination's side.
	mtls := map[edgeKey]map[string]*storage.RollupCounts{}
	for i := range aggs {
		a := &aggs[i]
		if a.MTLSKnown == 0 {
			continue
		}
		k := keyOf(&a.Edge)
		if mtls[k] == nil {
			mtls[k] = map[string]*storage.RollupCounts{}
		}
		if mtls[k][a.Source] == nil {
			mtls[k][a.Source] = &storage.RollupCounts{}
		}
		mtls[k][a.Source].Add(a.RollupCounts)
	}
	// Nodes: what each received, from its own side.
	inbound := map[endpoint]perSource{}
	for _, a := range rollup.PreferReporter(aggs, "destination") {
		k := dstOf(&a.Edge)
		if inbound[k] == nil {
			inbound[k] = perSource{}
		}
		inbound[k].add(&a)
	}
	nodeSources := map[endpoint]map[string]bool{}
	see := func(ep endpoint, src string) {
		if nodeSources[ep] == nil {
			nodeSources[ep] = map[string]bool{}
		}
		nodeSources[ep][src] = true
	}
	for i := range aggs {
		see(srcOf(&aggs[i].Edge), aggs[i].Source)
		see(dstOf(&aggs[i].Edge), aggs[i].Source)
	}

	g := &Graph{Start: start, End: end, Source: cmp.Or(q.Source, SourceAuto), Nodes: []Node{}, Edges: []Edge{}}
	for ep, seen := range nodeSources {
		k := kind(ep)
		n := Node{ID: ep.id(k), Service: ep.svc, Namespace: ep.ns, Version: ep.ver, Kind: k}
		if k == KindUnknown {
			n.Service, n.Namespace, n.Version = cluster.Unknown, "", ""
		}
		if in := inbound[ep]; in != nil {
			best, _ := in.best()
			n.RED = redOf(best, win)
		}
		n.Health = e.Health.Classify(n.RED.Requests, n.RED.Errors, n.RED.ClientErrors)
		n.Sources = sortedKeys(seen)
		g.Nodes = append(g.Nodes, n)
	}
	// Unknown callers from several namespaces are one node.
	g.Nodes = dedupeNodes(g.Nodes)
	for k, ps := range edges {
		best, seen := ps.best()
		ed := Edge{Source: k.src, Target: k.dst, Protocol: k.proto, Sources: seen,
			RED: redOf(best, win), MTLSShare: mtlsShareAny(mtls[k]), Missing: []string{}}
		ed.ID = ed.Source + "->" + ed.Target + "|" + ed.Protocol
		ed.Health = e.Health.Classify(ed.RED.Requests, ed.RED.Errors, ed.RED.ClientErrors)
		for _, s := range storage.RollupSources {
			if active[s] && ps[s] == nil {
				ed.Missing = append(ed.Missing, s)
			}
		}
		ed.Disagreements = disagreements(ps, win)
		g.Edges = append(g.Edges, ed)
	}
	slices.SortFunc(g.Nodes, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(g.Edges, func(a, b Edge) int { return cmp.Compare(a.ID, b.ID) })
	return g, nil
}

// mtlsShareAny is the mTLS share from the first source (in preference
// order) that knows it, nil when none does.
func mtlsShareAny(bySource map[string]*storage.RollupCounts) *float64 {
	for _, s := range sourcePreference {
		if c := bySource[s]; c != nil && c.MTLSKnown > 0 {
			v := float64(c.MTLSRequests) / float64(c.MTLSKnown)
			return &v
		}
	}
	return nil
}

func dedupeNodes(nodes []Node) []Node {
	byID := map[string]int{}
	out := nodes[:0]
	for _, n := range nodes {
		if i, ok := byID[n.ID]; ok {
			m := &out[i]
			m.Sources = mergeSorted(m.Sources, n.Sources)
			if n.RED.Requests > m.RED.Requests {
				m.RED, m.Health = n.RED, n.Health
			}
			continue
		}
		byID[n.ID] = len(out)
		out = append(out, n)
	}
	return out
}

func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
