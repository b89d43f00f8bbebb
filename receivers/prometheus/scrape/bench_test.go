package scrape

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
)

// envoyBuckets are Envoy's default histogram buckets (see testdata/README.md).
var envoyBuckets = []string{"0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000",
	"10000", "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf"}

// istioStatsPage builds a /stats/prometheus page as an Istio sidecar serves
// it: Istio's standard metrics for every (source, destination, code) edge
// with Istio's 25 labels and Envoy's buckets, then Envoy cluster stats. It
// returns the page and its number of samples.
func istioStatsPage(sources, destinations int) ([]byte, int) {
	var b bytes.Buffer
	n := 0
	codes := []string{"200", "503"}
	edge := func(src, dst int, code string) string {
		s, d := fmt.Sprintf("svc%d", src), fmt.Sprintf("svc%d", dst)
		return fmt.Sprintf(`reporter="destination",source_workload="%[1]s-v1",source_canonical_service="%[1]s",`+
			`source_canonical_revision="v1",source_workload_namespace="default",source_principal="spiffe://cluster.local/ns/default/sa/%[1]s",`+
			`source_app="%[1]s",source_version="v1",source_cluster="Kubernetes",destination_workload="%[2]s-v1",`+
			`destination_workload_namespace="default",destination_principal="spiffe://cluster.local/ns/default/sa/%[2]s",`+
			`destination_app="%[2]s",destination_version="v1",destination_service="%[2]s.default.svc.cluster.local",`+
			`destination_canonical_service="%[2]s",destination_canonical_revision="v1",destination_service_name="%[2]s",`+
			`destination_service_namespace="default",destination_cluster="Kubernetes",request_protocol="http",`+
			`response_code="%[3]s",grpc_response_status="",response_flags="-",connection_security_policy="mutual_tls"`, s, d, code)
	}
	forEdges := func(f func(ls string, i int)) {
		i := 0
		for src := range sources {
			for dst := range destinations {
				for _, code := range codes {
					f(edge(src, dst, code), i)
					i++
				}
			}
		}
	}
	b.WriteString("# TYPE istio_requests_total counter\n")
	forEdges(func(ls string, i int) {
		fmt.Fprintf(&b, "istio_requests_total{%s} %d\n", ls, 1000+i)
		n++
	})
	for _, h := range []string{"istio_request_duration_milliseconds", "istio_request_bytes", "istio_response_bytes"} {
		fmt.Fprintf(&b, "# TYPE %s histogram\n", h)
		forEdges(func(ls string, i int) {
			for k, le := range envoyBuckets {
				fmt.Fprintf(&b, "%s_bucket{%s,le=\"%s\"} %d\n", h, ls, le, min(k*8, 140)+i)
			}
			fmt.Fprintf(&b, "%s_sum{%s} %d.5\n%s_count{%s} %d\n", h, ls, 9000+i, h, ls, 140+i)
			n += len(envoyBuckets) + 2
		})
	}
	for _, stat := range []string{"upstream_cx_total", "upstream_rq_total", "upstream_rq_retry", "upstream_cx_connect_fail", "upstream_rq_timeout"} {
		fmt.Fprintf(&b, "# TYPE envoy_cluster_%s counter\n", stat)
		for dst := range destinations * 4 {
			fmt.Fprintf(&b, "envoy_cluster_%s{cluster_name=\"outbound|9080||svc%d.default.svc.cluster.local\"} %d\n", stat, dst, dst*3)
			n++
		}
	}
	b.WriteString("# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n")
	n++
	return b.Bytes(), n
}

func benchPage(b *testing.B) ([]byte, int) {
	page, n := istioStatsPage(5, 8)
	b.SetBytes(int64(len(page)))
	return page, n
}

func reportSamples(b *testing.B, iters, samples int) {
	b.ReportMetric(float64(iters*samples)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkParseConvert measures a target's scrape body turned into pdata,
// against the bare textparse parser over the same bytes (the baselines), so
// that the cost of conversion can be stated as a ratio.
func BenchmarkParseConvert(b *testing.B) {
	b.Run("textparse-next", func(b *testing.B) {
		// What any consumer of the parser pays at least: tokenising.
		page, n := benchPage(b)
		b.ReportAllocs()
		iters := 0
		for b.Loop() {
			p := textparse.NewPromParser(page, labels.NewSymbolTable(), false)
			for {
				et, err := p.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if et == textparse.EntrySeries {
					p.Series()
				}
			}
			iters++
		}
		reportSamples(b, iters, n)
	})
	b.Run("textparse-labels", func(b *testing.B) {
		// Tokenising plus building every series' labels, as a scraper without
		// a cache would.
		page, n := benchPage(b)
		b.ReportAllocs()
		var lset labels.Labels
		iters := 0
		for b.Loop() {
			p := textparse.NewPromParser(page, labels.NewSymbolTable(), false)
			for {
				et, err := p.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if et == textparse.EntrySeries {
					p.Series()
					p.Labels(&lset)
				}
			}
			iters++
		}
		reportSamples(b, iters, n)
	})
	b.Run("convert-steady", func(b *testing.B) {
		// A target scraped again and again: the series cache is warm.
		page, n := benchPage(b)
		c := newTestConverter(b, JobConfig{})
		at := t0
		dur := func() time.Duration { return time.Millisecond }
		if _, out := c.convert(page, textType, nil, at, dur); out.err != nil {
			b.Fatal(out.err)
		}
		b.ReportAllocs()
		iters := 0
		for b.Loop() {
			at = at.Add(15 * time.Second)
			c.convert(page, textType, nil, at, dur)
			iters++
		}
		reportSamples(b, iters, n)
	})
	b.Run("convert-first-scrape", func(b *testing.B) {
		// A target seen for the first time: every series is new.
		page, n := benchPage(b)
		dur := func() time.Duration { return time.Millisecond }
		b.ReportAllocs()
		iters := 0
		for b.Loop() {
			c := newTestConverter(b, JobConfig{})
			c.convert(page, textType, nil, t0, dur)
			iters++
		}
		reportSamples(b, iters, n)
	})
}

func TestBenchPageIsWellFormed(t *testing.T) {
	page, n := istioStatsPage(5, 8)
	c := newTestConverter(t, JobConfig{})
	md, out := convertChecked(t, c, page, textType, nil, t0)
	if out.err != nil || out.total != n {
		t.Fatalf("err %v, %d samples, want %d", out.err, out.total, n)
	}
	for _, m := range allMetrics(md) {
		if strings.HasSuffix(m.Name(), "_bucket") {
			t.Errorf("histogram fell back to gauges: %s", m.Name())
		}
	}
	t.Logf("benchmark page: %d samples, %d bytes", n, len(page))
}
