package route

import (
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
	"time"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/upstream"
)

// Istio's defaults for a route without a retries block: two retries on
// connect failures, refused streams and 503s.
var defaultRetry = RetryPolicy{Attempts: 2, On: config.RetryOn{ConnectFailure: true, RefusedStream: true, Codes: []int{503}}, Backoff: 25 * time.Millisecond}

// Compile builds a Table from snap for the workload id, creating or
// updating the clusters it needs in m. It fails only on errors that make
// the snapshot unusable; then m is left untouched.
func Compile(snap *config.Snapshot, id Identity, m *upstream.Manager) (*Table, error) {
	c := &compiler{snap: snap, id: id, specs: map[string]upstream.Spec{}, regByFQDN: map[string]*config.Service{},
		drs: map[string]*config.DestinationRule{}, vss: map[string]*config.VirtualService{}}
	if c.id.Namespace == "" {
		c.id.Namespace = "default"
	}
	labels := map[string]string{}
	maps.Copy(labels, id.Labels)
	if id.Service != "" && labels["app"] == "" {
		labels["app"] = id.Service
	}
	if id.Version != "" && labels["version"] == "" {
		labels["version"] = id.Version
	}
	c.id.Labels = labels
	return c.compile(m)
}

type compiler struct {
	snap      *config.Snapshot
	id        Identity
	specs     map[string]upstream.Spec
	regByFQDN map[string]*config.Service
	drs       map[string]*config.DestinationRule
	vss       map[string]*config.VirtualService
	warnings  []string
	dests     []*destRef
}

type destRef struct {
	d       *Dest
	cluster string
}

func (c *compiler) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// resolveHost expands a short Istio host name in namespace ns to an FQDN.
func resolveHost(h, ns string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	switch strings.Count(h, ".") {
	case 0:
		return h + "." + ns + "." + config.ClusterDomain
	case 1:
		return h + "." + config.ClusterDomain
	case 2:
		if strings.HasSuffix(h, ".svc") {
			return h + ".cluster.local"
		}
	}
	return h
}

func (c *compiler) compile(m *upstream.Manager) (*Table, error) {
	reg := c.snap.Registry
	for i := range reg.Services {
		s := &reg.Services[i]
		c.regByFQDN[s.FQDN()] = s
	}
	// The oldest object wins a conflict in Istio; without creation times,
	// name order decides, and the loser is reported.
	drs := append([]config.DestinationRule(nil), c.snap.Istio.DestinationRules...)
	sort.SliceStable(drs, func(i, j int) bool { return drs[i].Namespace+"/"+drs[i].Name < drs[j].Namespace+"/"+drs[j].Name })
	for i := range drs {
		d := &drs[i]
		h := resolveHost(d.Spec.Host, d.Namespace)
		if o := c.drs[h]; o != nil {
			c.warn("%s: host %s already has DestinationRule %s/%s; ignored", d.Resource, h, o.Namespace, o.Name)
			continue
		}
		if c.regByFQDN[h] == nil {
			c.warn("%s: host %s is not in the registry", d.Resource, h)
		}
		c.drs[h] = d
	}
	vss := append([]config.VirtualService(nil), c.snap.Istio.VirtualServices...)
	sort.SliceStable(vss, func(i, j int) bool { return vss[i].Namespace+"/"+vss[i].Name < vss[j].Namespace+"/"+vss[j].Name })
	for i := range vss {
		v := &vss[i]
		for _, host := range v.Spec.Hosts {
			if strings.Contains(host, "*") {
				c.warn("%s: wildcard host %q is not supported; ignored", v.Resource, host)
				continue
			}
			h := resolveHost(host, v.Namespace)
			if o := c.vss[h]; o != nil {
				c.warn("%s: host %s already has VirtualService %s/%s; ignored", v.Resource, h, o.Namespace, o.Name)
				continue
			}
			if c.regByFQDN[h] == nil {
				c.warn("%s: host %s is not in the registry", v.Resource, h)
			}
			c.vss[h] = v
		}
	}

	t := &Table{Snapshot: c.snap, Identity: c.id, services: map[string]*Service{}}
	for i := range reg.Services {
		rs := &reg.Services[i]
		svc := &Service{Name: rs.Name, Namespace: rs.Namespace, FQDN: rs.FQDN(), Ports: rs.Ports, routes: map[uint32][]*Route{}}
		vs := c.vss[svc.FQDN]
		if vs != nil {
			svc.VirtualService = vs.Namespace + "/" + vs.Name
		}
		for _, p := range rs.Ports {
			routes, err := c.routesFor(svc, p, vs)
			if err != nil {
				return nil, err
			}
			svc.routes[p.Port] = routes
		}
		for _, k := range []string{svc.FQDN, rs.Name + "." + rs.Namespace, rs.Name + "." + rs.Namespace + ".svc"} {
			t.services[k] = svc
		}
		if rs.Namespace == c.id.Namespace {
			t.services[rs.Name] = svc
		}
	}
	// Istio creates a cluster per service port and per subset, whether or
	// not a route uses it.
	for i := range reg.Services {
		rs := &reg.Services[i]
		for _, p := range rs.Ports {
			c.clusterFor(rs.FQDN(), p.Port, "")
			if dr := c.drs[rs.FQDN()]; dr != nil {
				for _, ss := range dr.Spec.Subsets {
					c.clusterFor(rs.FQDN(), p.Port, ss.Name)
				}
			}
		}
	}
	specs := make([]upstream.Spec, 0, len(c.specs))
	for _, s := range c.specs {
		specs = append(specs, s)
	}
	live := m.Sync(specs)
	for _, r := range c.dests {
		r.d.Cluster = live[r.cluster]
	}
	t.Warnings = c.warnings
	return t, nil
}

// ClusterName is Istio's outbound cluster name.
func ClusterName(port uint32, subset, fqdn string) string {
	return fmt.Sprintf("outbound|%d|%s|%s", port, subset, fqdn)
}

// clusterFor registers the spec of (fqdn, port, subset) and returns its
// name, or "" when the service, port or subset does not exist.
func (c *compiler) clusterFor(fqdn string, port uint32, subset string) string {
	name := ClusterName(port, subset, fqdn)
	if _, ok := c.specs[name]; ok {
		return name
	}
	rs := c.regByFQDN[fqdn]
	if rs == nil {
		return ""
	}
	var sp *config.Port
	for i := range rs.Ports {
		if rs.Ports[i].Port == port {
			sp = &rs.Ports[i]
		}
	}
	if sp == nil {
		return ""
	}
	dr := c.drs[fqdn]
	var tp *networking.TrafficPolicy
	var sel map[string]string
	if dr != nil {
		tp = dr.Spec.TrafficPolicy
	}
	if subset != "" {
		var ss *networking.Subset
		if dr != nil {
			for _, s := range dr.Spec.Subsets {
				if s.Name == subset {
					ss = s
				}
			}
		}
		if ss == nil {
			return ""
		}
		sel = ss.Labels
		tp = mergePolicy(tp, ss.TrafficPolicy)
	}
	spec := upstream.Spec{Name: name, Service: rs.Name, Namespace: rs.Namespace, FQDN: fqdn, Port: port, Subset: subset,
		Policy: compilePolicy(tp)}
	spec.Policy.HTTP2 = sp.PortProtocolHTTP2()
	for i := range rs.Endpoints {
		e := &rs.Endpoints[i]
		if !labelsMatch(sel, e.Labels) {
			continue
		}
		spec.Endpoints = append(spec.Endpoints, upstream.Endpoint{Address: e.HostPort(*sp), Labels: e.Labels, Workload: e.Workload})
	}
	c.specs[name] = spec
	return name
}

func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// mergePolicy overlays a subset's policy on the rule's, field by field, as
// Istio does.
func mergePolicy(base, sub *networking.TrafficPolicy) *networking.TrafficPolicy {
	if sub == nil {
		return base
	}
	if base == nil {
		return sub
	}
	out := &networking.TrafficPolicy{LoadBalancer: base.LoadBalancer, ConnectionPool: base.ConnectionPool, OutlierDetection: base.OutlierDetection}
	if sub.LoadBalancer != nil {
		out.LoadBalancer = sub.LoadBalancer
	}
	if sub.ConnectionPool != nil {
		out.ConnectionPool = sub.ConnectionPool
	}
	if sub.OutlierDetection != nil {
		out.OutlierDetection = sub.OutlierDetection
	}
	return out
}

func compilePolicy(tp *networking.TrafficPolicy) upstream.Policy {
	var p upstream.Policy
	if tp == nil {
		return p
	}
	switch tp.GetLoadBalancer().GetSimple() {
	case networking.LoadBalancerSettings_ROUND_ROBIN:
		p.LB = upstream.RoundRobin
	case networking.LoadBalancerSettings_RANDOM:
		p.LB = upstream.Random
	default: // UNSPECIFIED, LEAST_REQUEST, LEAST_CONN
		p.LB = upstream.LeastRequest
	}
	if cp := tp.ConnectionPool; cp != nil {
		if t := cp.Tcp; t != nil {
			p.MaxConnections = int(t.MaxConnections)
			p.ConnectTimeout = t.ConnectTimeout.AsDuration()
		}
		if h := cp.Http; h != nil {
			p.MaxPendingRequests = int(h.Http1MaxPendingRequests)
			p.MaxRequests = int(h.Http2MaxRequests)
			p.MaxRequestsPerConnection = int(h.MaxRequestsPerConnection)
			p.MaxRetries = int(h.MaxRetries)
			if h.IdleTimeout != nil {
				p.IdleTimeout = h.IdleTimeout.AsDuration()
			}
		}
	}
	if od := tp.OutlierDetection; od != nil {
		o := &upstream.OutlierPolicy{Consecutive5xx: 5, Interval: 10 * time.Second, BaseEjectionTime: 30 * time.Second,
			MaxEjectionPercent: 10, MinHealthPercent: int(od.MinHealthPercent)}
		if od.ConsecutiveErrors > 0 { // deprecated spelling
			o.Consecutive5xx = int(od.ConsecutiveErrors)
		}
		if v := od.Consecutive_5XxErrors; v != nil {
			o.Consecutive5xx = int(v.Value)
		}
		if v := od.ConsecutiveGatewayErrors; v != nil {
			o.ConsecutiveGateway = int(v.Value)
		}
		if od.Interval != nil {
			o.Interval = od.Interval.AsDuration()
		}
		if od.BaseEjectionTime != nil {
			o.BaseEjectionTime = od.BaseEjectionTime.AsDuration()
		}
		if od.MaxEjectionPercent > 0 {
			o.MaxEjectionPercent = int(od.MaxEjectionPercent)
		}
		p.Outlier = o
	}
	return p
}

// routesFor compiles the routes of one service port.
func (c *compiler) routesFor(svc *Service, p config.Port, vs *config.VirtualService) ([]*Route, error) {
	if vs == nil || len(vs.Spec.Http) == 0 {
		rt := &Route{Name: "default", Retry: defaultRetry, totalWeight: 100}
		rt.Dests = []Dest{{Weight: 100}}
		c.addDest(&rt.Dests[0], svc.FQDN, p.Port, "")
		return []*Route{rt}, nil
	}
	var out []*Route
	for i, hr := range vs.Spec.Http {
		rt, err := c.compileRoute(hr, p, vs)
		if err != nil {
			return nil, fmt.Errorf("%s: spec.http[%d].%w", vs.Resource, i, err)
		}
		if rt != nil {
			out = append(out, rt)
		}
	}
	return out, nil
}

func (c *compiler) addDest(d *Dest, fqdn string, port uint32, subset string) {
	name := c.clusterFor(fqdn, port, subset)
	d.ClusterName = name
	if name == "" {
		d.ClusterName = ClusterName(port, subset, fqdn)
		c.warn("no cluster %s (unknown service, port or subset): requests routed there get 503 NC", d.ClusterName)
		return
	}
	c.dests = append(c.dests, &destRef{d: d, cluster: name})
}

func (c *compiler) compileRoute(hr *networking.HTTPRoute, p config.Port, vs *config.VirtualService) (*Route, error) {
	rt := &Route{Name: hr.Name, Retry: defaultRetry, Headers: compileHeaders(hr.Headers)}
	rw, err := compileRewrite(hr.Rewrite)
	if err != nil {
		return nil, fmt.Errorf("rewrite.uriRegexRewrite.match: %w", err)
	}
	rt.Rewrite = rw
	if hr.Timeout != nil {
		rt.Timeout = hr.Timeout.AsDuration()
	}
	if r := hr.Retries; r != nil {
		rt.Retry = RetryPolicy{Attempts: int(r.Attempts), Backoff: 25 * time.Millisecond}
		if r.PerTryTimeout != nil {
			rt.Retry.PerTryTimeout = r.PerTryTimeout.AsDuration()
		}
		if r.Backoff != nil {
			rt.Retry.Backoff = r.Backoff.AsDuration()
		}
		if r.RetryOn == "" {
			rt.Retry.On = defaultRetry.On
		} else {
			on, err := config.ParseRetryOn(r.RetryOn)
			if err != nil {
				return nil, fmt.Errorf("retries.retryOn: %w", err)
			}
			rt.Retry.On = on
		}
	}
	if f := hr.Fault; f != nil {
		rt.Fault = &Fault{}
		if d := f.Delay; d != nil {
			rt.Fault.Delay = d.GetFixedDelay().AsDuration()
			rt.Fault.DelayFraction = config.Percentage(d.Percentage, d.Percent)
		}
		if a := f.Abort; a != nil {
			rt.Fault.AbortStatus = int(a.GetHttpStatus())
			rt.Fault.AbortFraction = config.Percentage(a.Percentage, 0)
		}
	}
	for j, m := range hr.Match {
		mt, err := c.compileMatch(m)
		if err != nil {
			return nil, fmt.Errorf("match[%d].%w", j, err)
		}
		if mt.port != 0 && mt.port != p.Port {
			continue // this match cannot apply to this port
		}
		rt.matchers = append(rt.matchers, mt)
	}
	if len(hr.Match) > 0 && len(rt.matchers) == 0 {
		return nil, nil // every match is for another port
	}
	type target struct {
		w            int
		host, subset string
		port         uint32
		headers      *networking.Headers
	}
	var ts []target
	for _, d := range hr.Route {
		w := int(d.Weight)
		if len(hr.Route) == 1 && w == 0 {
			w = 100
		}
		if w == 0 {
			continue
		}
		t := target{w: w, host: resolveHost(d.Destination.Host, vs.Namespace), subset: d.Destination.Subset, port: p.Port, headers: d.Headers}
		if n := d.Destination.GetPort().GetNumber(); n != 0 {
			t.port = n
		} else if rs := c.regByFQDN[t.host]; rs != nil && len(rs.Ports) == 1 {
			t.port = rs.Ports[0].Port
		}
		ts = append(ts, t)
		rt.totalWeight += w
	}
	rt.Dests = make([]Dest, len(ts))
	for i, t := range ts {
		rt.Dests[i].Weight = t.w
		rt.Dests[i].Headers = compileHeaders(t.headers)
		c.addDest(&rt.Dests[i], t.host, t.port, t.subset)
	}
	return rt, nil
}

func (c *compiler) compileMatch(m *networking.HTTPMatchRequest) (matcher, error) {
	var mt matcher
	if len(m.SourceLabels) > 0 && !labelsMatch(m.SourceLabels, c.id.Labels) {
		mt.never = true
	}
	if m.SourceNamespace != "" && m.SourceNamespace != c.id.Namespace {
		mt.never = true
	}
	mt.port = m.Port
	mt.ignoreCase = m.IgnoreUriCase
	one := func(name string, sm *networking.StringMatch, fold bool) (*strMatch, error) {
		if sm == nil {
			return nil, nil
		}
		x, err := compileStringMatch(sm, fold)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &x, nil
	}
	var err error
	if mt.uri, err = one("uri", m.Uri, m.IgnoreUriCase); err != nil {
		return mt, err
	}
	if mt.method, err = one("method", m.Method, false); err != nil {
		return mt, err
	}
	if mt.scheme, err = one("scheme", m.Scheme, false); err != nil {
		return mt, err
	}
	if mt.authority, err = one("authority", m.Authority, false); err != nil {
		return mt, err
	}
	list := func(set string, hs map[string]*networking.StringMatch, canon bool) ([]headerMatch, error) {
		var out []headerMatch
		for _, k := range sortedKeys(hs) {
			x, err := compileStringMatch(hs[k], false)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", set, k, err)
			}
			name := k
			if canon {
				name = http.CanonicalHeaderKey(k)
			}
			out = append(out, headerMatch{name: name, m: x})
		}
		return out, nil
	}
	if mt.headers, err = list("headers", m.Headers, true); err != nil {
		return mt, err
	}
	if mt.without, err = list("withoutHeaders", m.WithoutHeaders, true); err != nil {
		return mt, err
	}
	if mt.query, err = list("queryParams", m.QueryParams, false); err != nil {
		return mt, err
	}
	return mt, nil
}

func sortedKeys(m map[string]*networking.StringMatch) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
