package istiometrics

import (
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func benchLabels(code int) HTTPLabels {
	src := Workload{Workload: "productpage-v1", Namespace: "default", Principal: "spiffe://cluster.local/ns/default/sa/bookinfo-productpage",
		App: "productpage", Version: "v1", CanonicalService: "productpage", CanonicalRevision: "v1", Cluster: "Kubernetes"}
	dst := Workload{Workload: "reviews-v2", Namespace: "default", Principal: "spiffe://cluster.local/ns/default/sa/bookinfo-reviews",
		App: "reviews", Version: "v2", CanonicalService: "reviews", CanonicalRevision: "v2", Cluster: "Kubernetes"}
	return HTTPLabels{
		TCPLabels: TCPLabels{Reporter: "source", Source: src, Destination: dst,
			DestinationService: "reviews.default.svc.cluster.local", DestinationServiceName: "reviews",
			DestinationServiceNamespace: "default", RequestProtocol: "http", ResponseFlags: "-", ConnectionSecurityPolicy: "unknown"},
		ResponseCode: strconv.Itoa(code),
	}
}

// BenchmarkObserveHTTP is the per-request cost with the series cache.
func BenchmarkObserveHTTP(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	l := benchLabels(200)
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveHTTP(&l, 3, 0, 295)
	}
}

// BenchmarkObserveHTTPParallel measures contention on shared series.
func BenchmarkObserveHTTPParallel(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		l := benchLabels(200)
		for pb.Next() {
			m.ObserveHTTP(&l, 3, 0, 295)
		}
	})
}

// BenchmarkWithLabelValues is the same work through client_golang's own
// label lookup, for comparison: the reason for the series cache.
func BenchmarkWithLabelValues(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	l := benchLabels(200)
	b.ReportAllocs()
	for b.Loop() {
		v := l.values()
		m.requests.WithLabelValues(v...).Inc()
		m.duration.WithLabelValues(v...).Observe(3)
		m.reqBytes.WithLabelValues(v...).Observe(0)
		m.respBytes.WithLabelValues(v...).Observe(295)
	}
}
