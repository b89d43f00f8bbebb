// Package upstream is the proxy's view of a cluster (Envoy's word for a
// set of endpoints reached with one policy): connection pools, load
// balancing, circuit breaking and outlier detection. It knows nothing about
// Istio YAML; package route compiles DestinationRules into Policies.
package upstream

import "time"

// LBPolicy is a simple load-balancing policy, as Istio's
// LoadBalancerSettings.simple.
type LBPolicy int

const (
	// LeastRequest picks the less loaded of two random hosts (Envoy's
	// default power-of-two-choices); Istio's default.
	LeastRequest LBPolicy = iota
	// RoundRobin cycles through the healthy hosts.
	RoundRobin
	// Random picks a healthy host uniformly at random.
	Random
)

func (p LBPolicy) String() string {
	switch p {
	case RoundRobin:
		return "ROUND_ROBIN"
	case Random:
		return "RANDOM"
	default:
		return "LEAST_REQUEST"
	}
}

// Policy is a cluster's traffic policy. Zero limits mean unlimited, as
// Istio's defaults (2^32-1).
type Policy struct {
	LB LBPolicy `json:"lb"`

	MaxConnections           int           `json:"maxConnections,omitempty"`           // tcp.maxConnections: upstream connections across the cluster (HTTP/1.1)
	MaxPendingRequests       int           `json:"maxPendingRequests,omitempty"`       // http.http1MaxPendingRequests: requests waiting for a connection
	MaxRequests              int           `json:"maxRequests,omitempty"`              // http.http2MaxRequests: requests in flight
	MaxRequestsPerConnection int           `json:"maxRequestsPerConnection,omitempty"` // http.maxRequestsPerConnection (HTTP/1.1)
	MaxRetries               int           `json:"maxRetries,omitempty"`               // http.maxRetries: retries in flight
	ConnectTimeout           time.Duration `json:"connectTimeout"`                     // tcp.connectTimeout; 10s by default
	IdleTimeout              time.Duration `json:"idleTimeout"`                        // http.idleTimeout; 1h by default

	Outlier *OutlierPolicy `json:"outlier,omitempty"` // nil: no outlier detection

	HTTP2 bool `json:"http2"` // speak h2c (prior knowledge) to the endpoints
}

// OutlierPolicy is Istio's outlierDetection, consecutive-error detection
// only. Zero thresholds disable that detector.
type OutlierPolicy struct {
	Consecutive5xx     int           `json:"consecutive5xx"`     // 5xx responses and local failures in a row
	ConsecutiveGateway int           `json:"consecutiveGateway"` // 502/503/504 and local failures in a row
	Interval           time.Duration `json:"interval"`           // ejection sweep period (ejections end on a sweep)
	BaseEjectionTime   time.Duration `json:"baseEjectionTime"`   // multiplied by the host's ejection count
	MaxEjectionPercent int           `json:"maxEjectionPercent"` // at most this share of hosts ejected (one host always may be)
	MinHealthPercent   int           `json:"minHealthPercent"`   // below this share of healthy hosts, ejections are ignored (panic mode)
}

// Endpoint is one destination host of a cluster.
type Endpoint struct {
	Address  string            `json:"address"` // host:port to dial
	Labels   map[string]string `json:"labels,omitempty"`
	Workload string            `json:"workload,omitempty"`
}

// Spec describes a cluster completely; two equal Specs give equal clusters.
type Spec struct {
	Name      string     `json:"name"` // Istio cluster name, e.g. "outbound|9080|v1|reviews.default.svc.cluster.local"
	Service   string     `json:"service"`
	Namespace string     `json:"namespace"`
	FQDN      string     `json:"fqdn"`
	Port      uint32     `json:"port"`
	Subset    string     `json:"subset,omitempty"`
	Endpoints []Endpoint `json:"endpoints"`
	Policy    Policy     `json:"policy"`
}

// MarshalText renders the policy by its Istio name in /config_dump.
func (p LBPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }
