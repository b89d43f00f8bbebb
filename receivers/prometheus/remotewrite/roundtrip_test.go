package remotewrite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"

	"github.com/meshlens/meshlens/storage"
)

var staleNaN = math.Float64frombits(value.StaleNaN)

// fixedSeries covers each Prometheus shape once, by hand.
func fixedSeries() []promSeries {
	base := []string{"instance", "10.0.0.7:15090", "job", "mesh", "destination_service", "reviews.default.svc.cluster.local"}
	ls := func(name string, kv ...string) labels.Labels {
		return labels.FromStrings(append(append([]string{labels.MetricName, name}, base...), kv...)...)
	}
	smp := func(vt ...float64) []prompb.Sample {
		var out []prompb.Sample
		for i := 0; i < len(vt); i += 2 {
			out = append(out, prompb.Sample{Value: vt[i], Timestamp: int64(vt[i+1])})
		}
		return out
	}
	const t0 = 1_700_000_000_000
	hist := func(name, le string, v float64) promSeries {
		return promSeries{labels: ls(name+"_bucket", "le", le), samples: smp(v, t0), family: name, typ: "histogram", help: "Request duration.", unit: "milliseconds"}
	}
	return []promSeries{
		{labels: ls("istio_requests_total", "response_code", "200"), samples: smp(10, t0, 12, t0+15000, staleNaN, t0+30000), family: "istio_requests_total", typ: "counter", help: "Requests."},
		{labels: ls("istio_requests_total", "response_code", "503"), samples: smp(1, t0), family: "istio_requests_total", typ: "counter", help: "Requests."},
		{labels: ls("envoy_server_live"), samples: smp(1, t0, math.NaN(), t0+1, math.Inf(1), t0+2, math.Inf(-1), t0+3), family: "envoy_server_live", typ: "gauge"},
		hist("istio_request_duration_milliseconds", "0.5", 1),
		hist("istio_request_duration_milliseconds", "1", 3),     // le exactly as sent: not rewritten to "1.0"
		hist("istio_request_duration_milliseconds", "1e+06", 9), // nor this
		hist("istio_request_duration_milliseconds", "+Inf", 10),
		{labels: ls("istio_request_duration_milliseconds_sum"), samples: smp(123.25, t0), family: "istio_request_duration_milliseconds", typ: "histogram", help: "Request duration.", unit: "milliseconds"},
		{labels: ls("istio_request_duration_milliseconds_count"), samples: smp(10, t0, staleNaN, t0+30000), family: "istio_request_duration_milliseconds", typ: "histogram", help: "Request duration.", unit: "milliseconds"},
		{labels: ls("go_gc_duration_seconds", "quantile", "0.5"), samples: smp(0.001, t0), family: "go_gc_duration_seconds", typ: "summary", help: "GC pauses."},
		{labels: ls("go_gc_duration_seconds", "quantile", "1"), samples: smp(0.01, t0), family: "go_gc_duration_seconds", typ: "summary", help: "GC pauses."},
		{labels: ls("go_gc_duration_seconds_sum"), samples: smp(0.5, t0), family: "go_gc_duration_seconds", typ: "summary", help: "GC pauses."},
		{labels: ls("go_gc_duration_seconds_count"), samples: smp(100, t0), family: "go_gc_duration_seconds", typ: "summary", help: "GC pauses."},
		{labels: labels.FromStrings(labels.MetricName, "no_metadata", "ünïcode.label", "välue with spaces"), samples: smp(-1.5, -86_400_000)},
		// The counter again, not adjacent: a metric of its own, same rows.
		{labels: ls("istio_requests_total", "response_code", "404"), samples: smp(2, t0), family: "istio_requests_total", typ: "counter", help: "Requests."},
	}
}

// expectedRows is what storing series directly in Prometheus gives.
func expectedRows(series []promSeries) []storage.Sample {
	var out []storage.Sample
	for _, s := range series {
		for _, smp := range s.samples {
			out = append(out, storage.Sample{Labels: s.labels, T: smp.Timestamp, V: smp.Value})
		}
	}
	return out
}

// expectedMetadata is one entry per family that has metadata.
func expectedMetadata(series []promSeries) []storage.Metadata {
	var out []storage.Metadata
	for _, s := range series {
		if s.typ == "" {
			continue
		}
		m := storage.Metadata{Metric: s.family, Type: s.typ, Help: s.help, Unit: s.unit}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func sameRows(t *testing.T, got, want []storage.Sample) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !labels.Equal(g.Labels, w.Labels) || g.T != w.T || math.Float64bits(g.V) != math.Float64bits(w.V) {
			t.Fatalf("row %d = %s %d %v (bits %x), want %s %d %v (bits %x)",
				i, g.Labels, g.T, g.V, math.Float64bits(g.V), w.Labels, w.T, w.V, math.Float64bits(w.V))
		}
	}
}

func sameMetadata(t *testing.T, got, want []storage.Metadata) {
	t.Helper()
	cmp := func(a, b storage.Metadata) int {
		return strcmp(a.Metric+"\x00"+a.Type+"\x00"+a.Help, b.Metric+"\x00"+b.Type+"\x00"+b.Help)
	}
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	got = slices.Compact(got)
	if !slices.Equal(got, want) {
		t.Fatalf("metadata\n got %+v\nwant %+v", got, want)
	}
}

func strcmp(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// roundTrip sends series in both protocol versions and checks that the
// rows rowconv makes of the consumed pdata are exactly the input series.
func roundTrip(t *testing.T, series []promSeries) {
	t.Helper()
	h, s := newTestHandler(t, Config{})
	for _, v := range []struct {
		name, contentType string
		body              []byte
	}{
		{"v1", ContentTypeV1, encode(t, v1Request(series))},
		{"v2", ContentTypeV2, encode(t, v2Request(series))},
	} {
		w := post(h, v.contentType, "snappy", v.body)
		if w.Code != http.StatusNoContent {
			t.Fatalf("%s: status %d: %s", v.name, w.Code, w.Body)
		}
		got, meta := rows(t, s.take())
		sameRows(t, got, expectedRows(series))
		sameMetadata(t, meta, expectedMetadata(series))
	}
}

func TestRoundTripFixed(t *testing.T) {
	roundTrip(t, fixedSeries())
}

// TestRoundTripProperty checks the round trip on random Prometheus-shaped
// requests: counters, gauges, classic histograms and summaries, with odd
// label values, staleness markers, special floats and negative times.
func TestRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		series := randomSeries(r)
		t.Run(strconv.Itoa(i), func(t *testing.T) { roundTrip(t, series) })
	}
}

func randomSeries(r *rand.Rand) []promSeries {
	var out []promSeries
	for f := range 1 + r.IntN(6) {
		name := fmt.Sprintf("fam_%d_%d", f, r.IntN(3))
		help := []string{"", "Help text.", "Hülp \"quoted\"\n"}[r.IntN(3)]
		unit := []string{"", "seconds"}[r.IntN(2)]
		for range 1 + r.IntN(4) { // label sets of the family
			extra := randomLabels(r)
			add := func(series, typ string, kv ...string) {
				ls := labels.NewBuilder(extra)
				ls.Set(labels.MetricName, series)
				for i := 0; i < len(kv); i += 2 {
					ls.Set(kv[i], kv[i+1])
				}
				out = append(out, promSeries{labels: ls.Labels(), samples: randomSamples(r), family: name, typ: typ, help: help, unit: unit})
			}
			switch k := r.IntN(5); k {
			case 0:
				add(name+"_total", "counter")
				out[len(out)-1].family = name + "_total"
			case 1:
				add(name, "gauge")
			case 2:
				for _, le := range []string{"0.005", "0.1", "1", "10", "+Inf"} {
					add(name+"_bucket", "histogram", "le", le)
				}
				add(name+"_sum", "histogram")
				add(name+"_count", "histogram")
			case 3:
				for _, q := range []string{"0.5", "0.9", "0.99"} {
					add(name, "summary", "quantile", q)
				}
				add(name+"_sum", "summary")
				add(name+"_count", "summary")
			case 4:
				add(name, "") // no metadata
			}
		}
	}
	// Every family's series must agree on metadata; random families may
	// share a name, so make the later ones agree with the first.
	first := map[string]promSeries{}
	for i, s := range out {
		if f, ok := first[s.labels.Get(labels.MetricName)]; ok {
			out[i].family, out[i].typ, out[i].help, out[i].unit = f.family, f.typ, f.help, f.unit
		} else {
			first[s.labels.Get(labels.MetricName)] = s
		}
	}
	return dropMetadataConflicts(out)
}

// dropMetadataConflicts removes series whose family name is claimed by
// another family with different metadata (one Prometheus target could not
// expose both).
func dropMetadataConflicts(in []promSeries) []promSeries {
	byFamily := map[string]promSeries{}
	var out []promSeries
	for _, s := range in {
		if s.typ != "" {
			if f, ok := byFamily[s.family]; ok && (f.typ != s.typ || f.help != s.help || f.unit != s.unit) {
				continue
			}
			byFamily[s.family] = s
		}
		out = append(out, s)
	}
	return out
}

func randomLabels(r *rand.Rand) labels.Labels {
	names := []string{"job", "instance", "service.name", "reporter", "a", "Z", "response_code", "ünï"}
	values := []string{"mesh", "10.0.0.1:15090", "x y", "ünïcödé", `quote"and\backslash`, "200", "a\nb", "0"}
	b := labels.NewScratchBuilder(4)
	for _, n := range names {
		if r.IntN(2) == 0 {
			b.Add(n, values[r.IntN(len(values))])
		}
	}
	b.Sort()
	return b.Labels()
}

func randomSamples(r *rand.Rand) []prompb.Sample {
	out := make([]prompb.Sample, 1+r.IntN(3))
	t := r.Int64N(4_000_000_000_000) - 1_000_000_000_000
	for i := range out {
		v := r.NormFloat64() * 1e3
		switch r.IntN(10) {
		case 0:
			v = staleNaN
		case 1:
			v = math.NaN()
		case 2:
			v = math.Inf(1)
		}
		out[i] = prompb.Sample{Value: v, Timestamp: t}
		t += 1 + r.Int64N(60_000)
	}
	return out
}
