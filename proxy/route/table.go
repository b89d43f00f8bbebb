// Package route compiles a config.Snapshot (registry + Istio rules) into an
// immutable routing Table: host lookup, VirtualService route matching,
// weighted destinations, and the upstream cluster each destination uses.
package route

import (
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/upstream"
)

// Identity is the workload this proxy sits in front of.
type Identity struct {
	Service   string            // e.g. "productpage"
	Namespace string            // e.g. "default"
	Workload  string            // e.g. "productpage-v1"
	Version   string            // e.g. "v1"
	Labels    map[string]string // matched by sourceLabels; app and version are added
}

// Table is one compiled configuration. It is immutable and safe for
// concurrent use; a reload builds a new Table.
type Table struct {
	Snapshot *config.Snapshot
	Identity Identity
	services map[string]*Service // by every name the service answers to
	// Warnings are problems that do not reject the config, as Istio
	// accepts them too (a destination subset no DestinationRule defines
	// gives 503 NC at request time).
	Warnings []string
}

// Service is one registry service with its compiled routes.
type Service struct {
	Name, Namespace, FQDN string
	Ports                 []config.Port
	routes                map[uint32][]*Route // by service port
	VirtualService        string              // "namespace/name" of the rules in force, "" for the default route
}

// Route is one compiled HTTPRoute.
type Route struct {
	Name        string
	matchers    []matcher // OR; empty matches everything
	Dests       []Dest
	totalWeight int
	Timeout     time.Duration // 0: none
	Retry       RetryPolicy
	Fault       *Fault
	Headers     *HeaderOps // route-level header edits; nil: none
	Rewrite     *Rewrite   // nil: none
}

// Dest is one weighted destination. Cluster is nil when the destination
// names a service or subset that does not exist (Envoy's "NC").
type Dest struct {
	ClusterName string
	Cluster     *upstream.Cluster
	Weight      int
	Headers     *HeaderOps // destination-level header edits; nil: none
}

// RetryPolicy is a compiled HTTPRetry. Attempts counts retries, not tries.
type RetryPolicy struct {
	Attempts      int
	PerTryTimeout time.Duration // 0: the route timeout only
	On            config.RetryOn
	Backoff       time.Duration // base interval of Envoy's jittered exponential backoff
}

// Fault is a compiled HTTPFaultInjection.
type Fault struct {
	DelayFraction float64 // 0..1
	Delay         time.Duration
	AbortFraction float64 // 0..1
	AbortStatus   int     // 0: no abort
}

// LookupHost finds the service a Host header or absolute-URI host names
// ("reviews", "reviews:9080", "reviews.default", FQDN, with or without
// port) and the port the request is for. ok is false when no service or
// no such port exists.
func (t *Table) LookupHost(host string) (svc *Service, port uint32, ok bool) {
	name, p := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		name, p = host[:i], host[i+1:]
	}
	name = strings.TrimSuffix(name, ".")
	svc = t.services[name]
	if svc == nil {
		svc = t.services[strings.ToLower(name)]
		if svc == nil {
			return nil, 0, false
		}
	}
	if p == "" {
		return svc, svc.Ports[0].Port, true
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return nil, 0, false
	}
	for _, sp := range svc.Ports {
		if sp.Port == uint32(n) {
			return svc, sp.Port, true
		}
	}
	return nil, 0, false
}

// Services lists the compiled services.
func (t *Table) Services() []*Service {
	seen := map[*Service]bool{}
	var out []*Service
	for _, s := range t.services {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Match returns the first route whose match conditions hold, or nil.
func (s *Service) Match(r *Request) *Route {
	rt, _ := s.match(r)
	return rt
}

// match also returns the condition that matched (nil for a route without
// conditions).
func (s *Service) match(r *Request) (*Route, *matcher) {
	for _, rt := range s.routes[r.Port] {
		if len(rt.matchers) == 0 {
			return rt, nil
		}
		for i := range rt.matchers {
			if rt.matchers[i].matches(r) {
				return rt, &rt.matchers[i]
			}
		}
	}
	return nil, nil
}

// Pick chooses a destination by weight.
func (rt *Route) Pick() *Dest {
	if len(rt.Dests) == 1 {
		return &rt.Dests[0]
	}
	n := rand.IntN(rt.totalWeight)
	for i := range rt.Dests {
		n -= rt.Dests[i].Weight
		if n < 0 {
			return &rt.Dests[i]
		}
	}
	return &rt.Dests[len(rt.Dests)-1]
}

// HostPort splits an authority; it exists so callers share one parser.
func HostPort(authority string) (host, port string) {
	h, p, err := net.SplitHostPort(authority)
	if err != nil {
		return authority, ""
	}
	return h, p
}
