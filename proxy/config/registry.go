// Package config loads the bundled proxy's two inputs: the service registry
// file and a directory of Istio networking YAML (VirtualService,
// DestinationRule). Both are parsed into plain, immutable values; a Watcher
// reloads them when files change and keeps the last good Snapshot when a
// change is invalid.
package config

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// ClusterDomain is the DNS suffix services are named under, as Kubernetes'
// default.
const ClusterDomain = "svc.cluster.local"

// Registry is the service registry file: which services exist, their ports,
// and the endpoints that serve them. It plays the part Kubernetes Services,
// Endpoints and WorkloadEntries play for Istio.
type Registry struct {
	Services []Service `json:"services"`
}

// Service is one service. Its fully qualified name is
// name.namespace.svc.cluster.local.
type Service struct {
	Name      string     `json:"name"`
	Namespace string     `json:"namespace,omitempty"` // "default" when empty
	Ports     []Port     `json:"ports"`
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}

// Port is one service port. Protocol follows Istio's port naming: "HTTP"
// (HTTP/1.1 to the endpoint) or "HTTP2"/"GRPC" (h2c, prior knowledge).
type Port struct {
	Name     string `json:"name"`
	Port     uint32 `json:"port"`
	Protocol string `json:"protocol,omitempty"` // "HTTP" when empty
}

// Endpoint is one instance of a service, as an Istio WorkloadEntry: the
// address that accepts its traffic (normally its sidecar's inbound
// listener), per-port overrides of the port number, and its labels.
type Endpoint struct {
	Address  string            `json:"address"`         // IP or host name, without port
	Ports    map[string]uint32 `json:"ports,omitempty"` // port name -> port on Address; the service port when absent
	Labels   map[string]string `json:"labels,omitempty"`
	Workload string            `json:"workload,omitempty"` // defaults to "<app>-<version>" or "<app>"
}

// FQDN is the service's fully qualified host name.
func (s *Service) FQDN() string { return s.Name + "." + s.Namespace + "." + ClusterDomain }

// PortProtocolHTTP2 reports whether the port speaks h2c to its endpoints.
func (p Port) PortProtocolHTTP2() bool { return p.Protocol == "HTTP2" || p.Protocol == "GRPC" }

// HostPort is the address to dial for port p of this endpoint.
func (e *Endpoint) HostPort(p Port) string {
	n := p.Port
	if o, ok := e.Ports[p.Name]; ok {
		n = o
	}
	return net.JoinHostPort(e.Address, fmt.Sprint(n))
}

// LoadRegistry reads and validates a registry file.
func LoadRegistry(path string) (*Registry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r, err := ParseRegistry(b)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", path, err)
	}
	return r, nil
}

// ParseRegistry parses registry YAML (or JSON), rejecting unknown fields,
// fills defaults and validates. Errors name the offending field path.
func ParseRegistry(b []byte) (*Registry, error) {
	var r Registry
	if err := yaml.UnmarshalStrict(b, &r); err != nil {
		return nil, err
	}
	if err := r.normalize(); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *Registry) normalize() error {
	seen := map[string]bool{}
	for i := range r.Services {
		s := &r.Services[i]
		at := fmt.Sprintf("services[%d]", i)
		if s.Name == "" {
			return fmt.Errorf("%s.name: required", at)
		}
		if !isDNSLabel(s.Name) {
			return fmt.Errorf("%s.name: %q is not a DNS label", at, s.Name)
		}
		if s.Namespace == "" {
			s.Namespace = "default"
		}
		if !isDNSLabel(s.Namespace) {
			return fmt.Errorf("%s.namespace: %q is not a DNS label", at, s.Namespace)
		}
		if seen[s.FQDN()] {
			return fmt.Errorf("%s: duplicate service %s", at, s.FQDN())
		}
		seen[s.FQDN()] = true
		if len(s.Ports) == 0 {
			return fmt.Errorf("%s.ports: at least one port is required", at)
		}
		names := map[string]bool{}
		nums := map[uint32]bool{}
		for j := range s.Ports {
			p := &s.Ports[j]
			pat := fmt.Sprintf("%s.ports[%d]", at, j)
			if p.Port == 0 || p.Port > 65535 {
				return fmt.Errorf("%s.port: %d is not in 1..65535", pat, p.Port)
			}
			if p.Name == "" {
				p.Name = fmt.Sprintf("http-%d", p.Port)
			}
			if names[p.Name] || nums[p.Port] {
				return fmt.Errorf("%s: duplicate port %s/%d", pat, p.Name, p.Port)
			}
			names[p.Name], nums[p.Port] = true, true
			p.Protocol = strings.ToUpper(p.Protocol)
			switch p.Protocol {
			case "":
				p.Protocol = "HTTP"
			case "HTTP", "HTTP2", "GRPC":
			default:
				return fmt.Errorf("%s.protocol: %q is not one of HTTP, HTTP2, GRPC", pat, p.Protocol)
			}
		}
		for j := range s.Endpoints {
			e := &s.Endpoints[j]
			eat := fmt.Sprintf("%s.endpoints[%d]", at, j)
			if e.Address == "" {
				return fmt.Errorf("%s.address: required", eat)
			}
			if strings.ContainsAny(e.Address, "/ ") || (strings.Contains(e.Address, ":") && net.ParseIP(e.Address) == nil) {
				return fmt.Errorf("%s.address: %q must be an IP or host name without port (use ports: to map port names)", eat, e.Address)
			}
			for name, n := range e.Ports {
				if !names[name] {
					return fmt.Errorf("%s.ports.%s: no service port named %q", eat, name, name)
				}
				if n == 0 || n > 65535 {
					return fmt.Errorf("%s.ports.%s: %d is not in 1..65535", eat, name, n)
				}
			}
			if e.Labels == nil {
				e.Labels = map[string]string{}
			}
			if e.Labels["app"] == "" {
				e.Labels["app"] = s.Name
			}
			if e.Workload == "" {
				e.Workload = e.Labels["app"]
				if v := e.Labels["version"]; v != "" {
					e.Workload += "-" + v
				}
			}
		}
	}
	sort.SliceStable(r.Services, func(i, j int) bool { return r.Services[i].FQDN() < r.Services[j].FQDN() })
	return nil
}

func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}
