package graph

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/meshlens/meshlens/storage/cluster"
	"github.com/meshlens/meshlens/storage/rollup"
)

// Service is one service (all its versions) with the RED of the traffic it
// received, as /red by service counts it: each request once, preferring
// the service's own proxy's reports, from the best source that saw it.
// Services that only called others are listed with idle RED.
type Service struct {
	Service   string   `json:"service"`
	Namespace string   `json:"namespace"`
	Versions  []string `json:"versions"`
	Health    string   `json:"health"`
	RED       RED      `json:"red"`
	Sources   []string `json:"sources"`
}

// Services is the /services answer.
type Services struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Source   string    `json:"source"`
	Services []Service `json:"services"`
}

// Services lists the services of q's window with their RED. The unknown
// caller and external destinations (no namespace, no proxy of their own)
// are not services.
func (e *Engine) Services(ctx context.Context, q Query) (*Services, error) {
	start, end, aggs, err := e.readQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	type svcKey struct{ svc, ns string }
	type svcAcc struct {
		in       perSource
		versions map[string]bool
		sources  map[string]bool
	}
	acc := map[svcKey]*svcAcc{}
	get := func(k svcKey) *svcAcc {
		a := acc[k]
		if a == nil {
			a = &svcAcc{in: perSource{}, versions: map[string]bool{}, sources: map[string]bool{}}
			acc[k] = a
		}
		return a
	}
	inMesh := map[svcKey]bool{}
	for i := range aggs {
		a := &aggs[i]
		if a.Reporter == "destination" {
			inMesh[svcKey{a.Edge.DestinationService, a.Edge.DestinationNamespace}] = true
		} else {
			inMesh[svcKey{a.Edge.SourceService, a.Edge.SourceNamespace}] = true
		}
	}
	isService := func(k svcKey) bool {
		if k.svc == "" || k.svc == cluster.Unknown {
			return false
		}
		return k.ns != "" || inMesh[k]
	}
	nsOK := func(ns string) bool { return q.Namespace == "" || ns == q.Namespace }
	for i := range aggs {
		a := &aggs[i]
		for _, side := range []struct{ svc, ns, ver string }{
			{a.Edge.SourceService, a.Edge.SourceNamespace, a.Edge.SourceVersion},
			{a.Edge.DestinationService, a.Edge.DestinationNamespace, a.Edge.DestinationVersion},
		} {
			k := svcKey{side.svc, side.ns}
			if !isService(k) || !nsOK(side.ns) {
				continue
			}
			s := get(k)
			s.sources[a.Source] = true
			if side.ver != "" {
				s.versions[side.ver] = true
			}
		}
	}
	for _, a := range rollup.PreferReporter(aggs, "destination") {
		k := svcKey{a.Edge.DestinationService, a.Edge.DestinationNamespace}
		if s := acc[k]; s != nil {
			s.in.add(&a)
		}
	}
	win := end.Sub(start)
	out := &Services{Start: start, End: end, Source: cmp.Or(q.Source, SourceAuto), Services: []Service{}}
	for k, s := range acc {
		svc := Service{Service: k.svc, Namespace: k.ns, Versions: sortedKeys(s.versions), Sources: sortedKeys(s.sources)}
		if best, _ := s.in.best(); best != nil {
			svc.RED = redOf(best, win)
		}
		svc.Health = e.Health.Classify(svc.RED.Requests, svc.RED.Errors, svc.RED.ClientErrors)
		out.Services = append(out.Services, svc)
	}
	slices.SortFunc(out.Services, func(a, b Service) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Service, b.Service))
	})
	return out, nil
}
