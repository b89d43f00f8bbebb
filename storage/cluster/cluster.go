// Package cluster derives who called whom from an Envoy access-log record:
// the reporter (the proxy that logged it) and its upstream cluster name,
// following Istio's cluster naming (`inbound|port|subset|fqdn`,
// `outbound|port|subset|fqdn`).
package cluster

import (
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// Unknown is the service name used when a side cannot be derived, as
// Istio's telemetry does.
const Unknown = "unknown"

// Cluster is an Istio cluster name, parsed.
type Cluster struct {
	Direction string // "inbound", "outbound", or "" when not an Istio name
	Port      string
	Subset    string
	FQDN      string // e.g. reviews.default.svc.cluster.local; "" for inbound|port||
}

// Parse splits an Istio cluster name. Names that are not of the
// `direction|port|subset|fqdn` shape (e.g. "PassthroughCluster",
// "BlackHoleCluster", a plain Envoy cluster) give a Cluster with Direction "".
func Parse(name string) Cluster {
	parts := strings.Split(name, "|")
	if len(parts) != 4 || (parts[0] != "inbound" && parts[0] != "outbound") {
		return Cluster{}
	}
	return Cluster{Direction: parts[0], Port: parts[1], Subset: parts[2], FQDN: parts[3]}
}

// ServiceNamespace splits a Kubernetes service FQDN
// ("reviews.default.svc.cluster.local") into name and namespace. A name that
// is not a cluster-local FQDN (an external host) is returned whole, with an
// empty namespace.
func ServiceNamespace(fqdn string) (name, namespace string) {
	if i := strings.Index(fqdn, ".svc."); i > 0 || strings.HasSuffix(fqdn, ".svc") {
		if i < 0 {
			i = len(fqdn) - len(".svc")
		}
		head := fqdn[:i]
		if j := strings.IndexByte(head, '.'); j > 0 {
			return head[:j], head[j+1:]
		}
	}
	return fqdn, ""
}

// Derive fills rec's direction and source/destination fields from
// rec.Reporter and rec.UpstreamCluster:
//
//   - `inbound|…` (or Reporter.Direction "destination"): the reporter is the
//     destination; the source is unknown from the log alone.
//   - `outbound|port|subset|fqdn`: the reporter is the source; the
//     destination is fqdn's service and namespace, its version the subset.
//   - anything else: the reporter is taken as the source when it says so,
//     else as the destination; the other side is unknown, or the cluster
//     name itself for external clusters.
//
// Fields already set on rec are kept.
func Derive(rec *storage.AccessLog) {
	c := Parse(rec.UpstreamCluster)
	dir := rec.Reporter.Direction
	switch {
	case c.Direction == "inbound":
		dir = "destination"
	case c.Direction == "outbound":
		dir = "source"
	case dir == "":
		dir = "destination"
	}
	rec.Reporter.Direction = dir
	self := func(svc, ns, ver *string) {
		setIfEmpty(svc, rec.Reporter.Service)
		setIfEmpty(ns, rec.Reporter.Namespace)
		setIfEmpty(ver, rec.Reporter.Version)
	}
	if dir == "source" {
		self(&rec.SourceService, &rec.SourceNamespace, &rec.SourceVersion)
		if c.FQDN != "" {
			name, ns := ServiceNamespace(c.FQDN)
			setIfEmpty(&rec.DestinationService, name)
			setIfEmpty(&rec.DestinationNamespace, ns)
			setIfEmpty(&rec.DestinationVersion, c.Subset)
		} else if c.Direction == "" && rec.UpstreamCluster != "" {
			setIfEmpty(&rec.DestinationService, rec.UpstreamCluster)
		}
	} else {
		self(&rec.DestinationService, &rec.DestinationNamespace, &rec.DestinationVersion)
	}
	setIfEmpty(&rec.SourceService, Unknown)
	setIfEmpty(&rec.DestinationService, Unknown)
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}
