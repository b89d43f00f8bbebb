package istiometrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// IstioOrder wraps g so that the istio_* families list their labels in
// Istio's order (HTTPLabelNames, TCPLabelNames), as Envoy's
// /stats/prometheus does; client_golang's registry sorts them by name.
// Other families pass through unchanged.
func IstioOrder(g prometheus.Gatherer) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := g.Gather()
		for _, mf := range mfs {
			name := mf.GetName()
			if !strings.HasPrefix(name, "istio_") {
				continue
			}
			rank := httpRank
			if strings.HasPrefix(name, "istio_tcp_") {
				rank = tcpRank
			}
			for _, m := range mf.GetMetric() {
				reorder(m.Label, rank)
			}
		}
		return mfs, err
	})
}

var httpRank, tcpRank = ranks(HTTPLabelNames), ranks(TCPLabelNames)

func ranks(names []string) map[string]int {
	r := make(map[string]int, len(names))
	for i, n := range names {
		r[n] = i
	}
	return r
}

// reorder sorts labels by rank (insertion sort: 25 labels, already
// sorted by name), unknown names last in their current order.
func reorder(labels []*dto.LabelPair, rank map[string]int) {
	key := func(l *dto.LabelPair) int {
		if r, ok := rank[l.GetName()]; ok {
			return r
		}
		return len(rank)
	}
	for i := 1; i < len(labels); i++ {
		for j := i; j > 0 && key(labels[j]) < key(labels[j-1]); j-- {
			labels[j], labels[j-1] = labels[j-1], labels[j]
		}
	}
}
