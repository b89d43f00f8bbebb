// Package istiotest serves Istio-like /stats/prometheus pages for tests and
// benchmarks: Istio's metric names, label set (in Istio's order) and Envoy's
// default buckets (see testdata/standard-metrics.md).
//
// Every counter is an integer that steps once per whole second, linearly
// from a fixed origin, so that rate(), histogram_quantile() and ratios are
// the same constants whichever scraper samples the page (at a 1s interval)
// and whenever it does.
package istiotest

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Buckets are Envoy's default histogram bounds (milliseconds / bytes), as
// Istio exposes them, without +Inf.
var Buckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
	30000, 60000, 300000, 600000, 1800000, 3600000}

// Origin is the time at which every counter is zero.
var Origin = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Edge is one caller→callee pair with a response code and its request rate.
type Edge struct {
	Source, SourceVersion, Dest, DestVersion string
	Code                                     int
	Flags                                    string
	RPS                                      int     // requests per second
	MedianMillis                             float64 // latency scale of the distribution
}

// Mesh is a set of edges, as reported by both sides (reporter source and
// destination).
type Mesh []Edge

// Bookinfo is Istio's sample application with some failing traffic.
var Bookinfo = Mesh{
	{"productpage", "v1", "reviews", "v1", 200, "-", 30, 8},
	{"productpage", "v1", "reviews", "v2", 200, "-", 30, 12},
	{"productpage", "v1", "reviews", "v3", 200, "-", 25, 20},
	{"productpage", "v1", "reviews", "v3", 503, "UF", 5, 1},
	{"productpage", "v1", "details", "v1", 200, "-", 80, 3},
	{"productpage", "v1", "details", "v1", 404, "-", 2, 2},
	{"reviews", "v2", "ratings", "v1", 200, "-", 30, 4},
	{"reviews", "v3", "ratings", "v1", 200, "-", 20, 4},
	{"reviews", "v3", "ratings", "v1", 500, "-", 5, 30},
	{"istio-ingressgateway", "unknown", "productpage", "v1", 200, "-", 140, 40},
}

// Generate returns a Mesh of n services in a chain-and-fanout shape, for
// benchmarks that need many series.
func Generate(n int) Mesh {
	m := make(Mesh, 0, 2*n)
	for i := range n {
		src := fmt.Sprintf("svc-%d", i)
		for j := 1; j <= 2; j++ {
			dst := fmt.Sprintf("svc-%d", (i+j)%n)
			m = append(m, Edge{src, "v1", dst, fmt.Sprintf("v%d", j), 200, "-", 1 + i%7, float64(5 + j)})
		}
	}
	return m
}

// Write writes the mesh's metrics as Prometheus text exposition at time now.
func (m Mesh) Write(w io.Writer, now time.Time) error {
	secs := int64(now.Sub(Origin) / time.Second)
	var b strings.Builder
	b.WriteString("# HELP istio_requests_total Total requests.\n# TYPE istio_requests_total counter\n")
	m.each(func(lbl string, e Edge) {
		fmt.Fprintf(&b, "istio_requests_total{%s} %d\n", lbl, int64(e.RPS)*secs)
	})
	b.WriteString("# HELP istio_request_duration_milliseconds Request duration in milliseconds.\n" +
		"# TYPE istio_request_duration_milliseconds histogram\n")
	m.each(func(lbl string, e Edge) {
		total := int64(e.RPS) * secs
		for _, le := range Buckets {
			fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"%s\"} %d\n",
				lbl, strconv.FormatFloat(le, 'g', -1, 64), BucketRate(e, le)*secs)
		}
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"+Inf\"} %d\n", lbl, total)
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_sum{%s} %s\n", lbl, num(float64(total)*e.MedianMillis*1.2))
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_count{%s} %d\n", lbl, total)
	})
	b.WriteString("# HELP envoy_server_live Whether the server is live.\n# TYPE envoy_server_live gauge\nenvoy_server_live 1\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// each calls f for every edge as seen by each reporter, with the label
// string in Istio's label order.
func (m Mesh) each(f func(labels string, e Edge)) {
	for _, rep := range []string{"source", "destination"} {
		for _, e := range m {
			security := "mutual_tls"
			if rep == "source" {
				security = "unknown"
			}
			f(fmt.Sprintf(`reporter="%s",source_workload="%s-%s",source_canonical_service="%s",`+
				`source_canonical_revision="%s",source_workload_namespace="default",`+
				`source_principal="spiffe://cluster.local/ns/default/sa/%s",source_app="%s",source_version="%s",`+
				`source_cluster="Kubernetes",destination_workload="%s-%s",destination_workload_namespace="default",`+
				`destination_principal="spiffe://cluster.local/ns/default/sa/%s",destination_app="%s",`+
				`destination_version="%s",destination_service="%s.default.svc.cluster.local",`+
				`destination_canonical_service="%s",destination_canonical_revision="%s",`+
				`destination_service_name="%s",destination_service_namespace="default",destination_cluster="Kubernetes",`+
				`request_protocol="http",response_code="%d",grpc_response_status="",response_flags="%s",`+
				`connection_security_policy="%s"`,
				rep, e.Source, e.SourceVersion, e.Source, e.SourceVersion, e.Source, e.Source, e.SourceVersion,
				e.Dest, e.DestVersion, e.Dest, e.Dest, e.DestVersion, e.Dest, e.Dest, e.DestVersion, e.Dest,
				e.Code, e.Flags, security), e)
		}
	}
}

// BucketRate is how many of e's requests per second take at most le
// milliseconds: an integer, monotone in le, that fills several buckets.
func BucketRate(e Edge, le float64) int64 {
	return int64(math.Round(float64(e.RPS) * le / (le + e.MedianMillis)))
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
