package remotewrite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"github.com/prometheus/prometheus/prompb"

	"github.com/meshlens/meshlens/internal/istiotest"
)

// istioSeries returns n series as an Istio sidecar's /stats/prometheus
// yields them, in scrape order: per edge, istio_requests_total and the
// istio_request_duration_milliseconds histogram (buckets, _sum, _count),
// each with twelve labels besides __name__, one sample each.
func istioSeries(n int) []promSeries {
	les := []string{"0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "+Inf"}
	codes := []string{"200", "200", "200", "404", "503"}
	const t0 = 1_700_000_000_000
	var out []promSeries
	for edge := 0; len(out) < n; edge++ {
		src, dst := fmt.Sprintf("productpage-%d", edge%7), fmt.Sprintf("reviews-%d", edge%11)
		base := labels.NewBuilder(labels.FromStrings(
			"instance", fmt.Sprintf("10.1.%d.%d:15090", edge%4, edge%200),
			"job", "kubernetes-pods",
			"connection_security_policy", "mutual_tls",
			"destination_app", dst,
			"destination_service", dst+".default.svc.cluster.local",
			"destination_version", "v1",
			"destination_workload", dst+"-v1",
			"reporter", []string{"source", "destination"}[edge%2],
			"request_protocol", "http",
			"response_code", codes[edge%len(codes)],
			"source_app", src,
			"source_workload", src+"-v1",
		))
		add := func(name, typ string, v float64, kv ...string) {
			b := labels.NewBuilder(base.Labels())
			b.Set(labels.MetricName, name)
			for i := 0; i < len(kv); i += 2 {
				b.Set(kv[i], kv[i+1])
			}
			family := name
			if typ == "histogram" {
				family = "istio_request_duration_milliseconds"
			}
			out = append(out, promSeries{labels: b.Labels(), samples: []prompb.Sample{{Value: v, Timestamp: t0 + int64(edge)}}, family: family, typ: typ, help: "Istio metric."})
		}
		add("istio_requests_total", "counter", float64(100+edge))
		for i, le := range les {
			add("istio_request_duration_milliseconds_bucket", "histogram", float64(10*i+edge), "le", le)
		}
		add("istio_request_duration_milliseconds_sum", "histogram", 1234.5)
		add("istio_request_duration_milliseconds_count", "histogram", float64(100+edge))
	}
	return out[:n]
}

// shuffled returns series in random order, as a sharded Prometheus queue
// may send them: hardly any consecutive series share a name.
func shuffled(series []promSeries) []promSeries {
	out := append([]promSeries(nil), series...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// istioScraped returns n series of the project's Istio fixture
// (internal/istiotest: Istio's full label set, 26 labels), as
// Prometheus would remote-write them after scraping it: parsed by
// Prometheus' text parser, empty labels dropped, job and instance added,
// with the family's metadata.
func istioScraped(tb testing.TB, n int) []promSeries {
	tb.Helper()
	var page bytes.Buffer
	if err := istiotest.Generate(1+n/90).Write(&page, istiotest.Origin.Add(time.Hour)); err != nil {
		tb.Fatal(err)
	}
	p, err := textparse.New(page.Bytes(), "text/plain", labels.NewSymbolTable(), textparse.ParserOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ts := istiotest.Origin.Add(time.Hour).UnixMilli()
	var out []promSeries
	family, typ := "", ""
	for len(out) < n {
		e, err := p.Next()
		if err != nil {
			tb.Fatalf("after %d series: %v", len(out), err)
		}
		switch e {
		case textparse.EntryType:
			name, t := p.Type()
			family, typ = string(name), string(t)
		case textparse.EntrySeries:
			_, _, v := p.Series()
			var ls labels.Labels
			p.Labels(&ls)
			b := labels.NewBuilder(ls) // Builder drops empty values, as scraping does
			b.Set("job", "kubernetes-pods")
			b.Set("instance", "10.1.2.3:15090")
			out = append(out, promSeries{labels: b.Labels(), samples: []prompb.Sample{{Value: v, Timestamp: ts}}, family: family, typ: typ, help: "Istio metric."})
		}
	}
	return out
}
