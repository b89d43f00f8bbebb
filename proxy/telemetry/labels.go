package telemetry

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/meshlens/meshlens/proxy/telemetry/istiometrics"
)

const unknown = "unknown"

// codeStrings caches response codes' decimal forms (no allocation per
// request for the codes that occur).
var codeStrings = func() []string {
	s := make([]string, 600)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func codeString(c int) string {
	if c >= 0 && c < len(codeStrings) {
		return codeStrings[c]
	}
	return strconv.Itoa(c)
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

// known reports whether p names a workload at all.
func (p *Peer) known() bool { return p.Workload != "" || p.App != "" || p.Service != "" }

// workloadLabels maps a peer to Istio's source_*/destination_* values:
// "unknown" for what is not known; the canonical service falls back to
// the workload name and the canonical revision to "latest", as Istio's
// defaults do for a known workload without those labels.
func workloadLabels(p *Peer, localCluster string) istiometrics.Workload {
	w := istiometrics.Workload{
		Workload:          orUnknown(p.Workload),
		Namespace:         orUnknown(p.Namespace),
		Principal:         orUnknown(p.Principal),
		App:               orUnknown(p.App),
		Version:           orUnknown(p.Version),
		CanonicalService:  orUnknown(p.App),
		CanonicalRevision: orUnknown(p.Version),
		Cluster:           orUnknown(p.Cluster),
	}
	if p.known() {
		if p.App == "" && p.Workload != "" {
			w.CanonicalService = p.Workload
		}
		if p.Version == "" {
			w.CanonicalRevision = "latest"
		}
		if p.Cluster == "" && localCluster != "" {
			w.Cluster = localCluster
		}
	}
	return w
}

// httpLabels fills l with the Istio labels of r, which has both peers
// set (see Telemetry.complete).
func (t *Telemetry) httpLabels(r *Record, l *istiometrics.HTTPLabels) {
	t.tcpLabels(r, &l.TCPLabels)
	l.ResponseCode = codeString(r.ResponseCode)
	l.GRPCResponseStatus = r.GRPCStatus
}

func (t *Telemetry) tcpLabels(r *Record, l *istiometrics.TCPLabels) {
	cluster := t.cfg.Identity.Cluster
	l.Reporter = reporter(r.Direction)
	l.Source = workloadLabels(&r.Source, cluster)
	l.Destination = workloadLabels(&r.Destination, cluster)
	svc := r.Destination.Service
	if svc == "" {
		svc = hostOnly(r.Authority)
	}
	l.DestinationService = orUnknown(svc)
	name, ns := splitService(svc)
	if ns == "" {
		ns = r.Destination.Namespace
	}
	l.DestinationServiceName = orUnknown(name)
	l.DestinationServiceNamespace = orUnknown(ns)
	switch {
	case r.Protocol == "":
		l.RequestProtocol = "tcp"
	case r.GRPC:
		l.RequestProtocol = "grpc"
	default:
		l.RequestProtocol = "http"
	}
	l.ResponseFlags = r.ResponseFlags
	if l.ResponseFlags == "" {
		l.ResponseFlags = "-"
	}
	switch {
	case r.Direction != Inbound:
		l.ConnectionSecurityPolicy = unknown // what the client side cannot know
	case r.Source.Principal != "":
		l.ConnectionSecurityPolicy = "mutual_tls"
	default:
		l.ConnectionSecurityPolicy = "none"
	}
}

// reporter is Istio's reporter label for a direction.
func reporter(d Direction) string {
	if d == Inbound {
		return "destination"
	}
	return "source"
}

// splitService splits a Kubernetes service FQDN ("reviews.default.svc.
// cluster.local", or "reviews.default") into its name and namespace. A
// name without a dot has no namespace.
func splitService(fqdn string) (name, namespace string) {
	if _, err := netip.ParseAddr(fqdn); err == nil {
		return fqdn, ""
	}
	name, rest, ok := strings.Cut(fqdn, ".")
	if !ok {
		return fqdn, ""
	}
	namespace, _, _ = strings.Cut(rest, ".")
	return name, namespace
}

// hostOnly strips the port from an authority.
func hostOnly(authority string) string {
	if h, _, err := net.SplitHostPort(authority); err == nil {
		return h
	}
	return authority
}
