package als

import (
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/meshlens/meshlens/storage"
)

// Istio's node metadata keys and workload labels.
const (
	mdName       = "NAME"
	mdNamespace  = "NAMESPACE"
	mdLabels     = "LABELS"
	mdWorkload   = "WORKLOAD_NAME"
	labelCanon   = "service.istio.io/canonical-name"
	labelCanonRv = "service.istio.io/canonical-revision"
	labelApp     = "app"
	labelVersion = "version"
)

// ReporterFromNode says which proxy a stream comes from, from the Envoy
// node in the stream's first message:
//
//   - Istio proxies: the service is the LABELS' canonical name (else app),
//     the version the version label (else the canonical revision), the
//     namespace NAMESPACE, the workload WORKLOAD_NAME; what is missing is
//     taken from the node id (`sidecar~ip~pod.namespace~…`) and cluster
//     (`service.namespace`).
//   - other Envoys: the service is the node cluster (--service-cluster) and
//     the workload the node id (--service-node).
//
// Direction is left empty: it comes per record from the cluster name
// (cluster.Derive).
func ReporterFromNode(node *corev3.Node) storage.Reporter {
	md := node.GetMetadata().GetFields()
	labels := md[mdLabels].GetStructValue().GetFields()
	r := storage.Reporter{
		Service:   firstOf(str(labels, labelCanon), str(labels, labelApp)),
		Namespace: str(md, mdNamespace),
		Version:   firstOf(str(labels, labelVersion), str(labels, labelCanonRv)),
		Workload:  str(md, mdWorkload),
	}
	istio := md[mdName] != nil || md[mdNamespace] != nil || labels != nil
	if parts := strings.Split(node.GetId(), "~"); len(parts) == 4 {
		istio = true
		if _, ns, ok := strings.Cut(parts[2], "."); ok && r.Namespace == "" {
			r.Namespace = ns
		}
	}
	if r.Service == "" {
		r.Service = node.GetCluster()
		if istio && r.Namespace != "" {
			r.Service = strings.TrimSuffix(r.Service, "."+r.Namespace)
		}
	}
	if r.Workload == "" && !istio {
		r.Workload = node.GetId()
	}
	return r
}

func str(m map[string]*structpb.Value, key string) string { return m[key].GetStringValue() }

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
