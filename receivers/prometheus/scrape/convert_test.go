package scrape

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

var istioBounds = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// cumulative counts of the 200 histogram in testdata/istio_small.*
var istio200Cumulative = []uint64{0, 0, 3, 10, 25, 36, 40, 41, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42}

func TestConvertIstioPages(t *testing.T) {
	for _, tc := range []struct {
		file, contentType string
		counterHelp       string
		counterFamily     string
		tcpFamily         string
		unit              string
		scraped           float64
		createdSeries     []string
	}{
		{
			file: "istio_small.prom", contentType: textType, counterHelp: "Total number of requests handled by the proxy.",
			counterFamily: "istio_requests_total", tcpFamily: "istio_tcp_connections_opened_total", scraped: 49,
		},
		{
			file: "istio_small.om", contentType: omType, counterHelp: "Total number of requests handled by the proxy.",
			counterFamily: "istio_requests", tcpFamily: "istio_tcp_connections_opened", unit: "milliseconds", scraped: 54,
			createdSeries: []string{"istio_requests_created", "istio_request_duration_milliseconds_created", "istio_tcp_connections_opened_created"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := newTestConverter(t, JobConfig{})
			md, out := convertChecked(t, c, readTestdata(t, tc.file), tc.contentType, nil, t0)
			if out.err != nil {
				t.Fatalf("scrape failed: %v", out.err)
			}
			if md.ResourceMetrics().Len() != 1 {
				t.Fatalf("%d resources", md.ResourceMetrics().Len())
			}
			res := attrsOf(md.ResourceMetrics().At(0).Resource().Attributes())
			if want := map[string]string{"job": "istio-proxies", "instance": testAddr}; !maps.Equal(res, want) {
				t.Errorf("resource attributes %v, want %v", res, want)
			}

			reqs := mustMetric(t, md, "istio_requests_total", pmetric.MetricTypeSum)
			if promType(reqs) != "counter" || reqs.Description() != tc.counterHelp {
				t.Errorf("istio_requests_total metadata: type %q help %q", promType(reqs), reqs.Description())
			}
			if !reqs.Sum().IsMonotonic() || reqs.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
				t.Error("istio_requests_total is not a monotonic cumulative sum")
			}
			var values []float64
			for _, dp := range reqs.Sum().DataPoints().All() {
				values = append(values, dp.DoubleValue())
				if dp.Timestamp() != pcommon.NewTimestampFromTime(t0) {
					t.Errorf("timestamp %v, want %v", dp.Timestamp(), t0)
				}
				a := attrsOf(dp.Attributes())
				if a["reporter"] != "destination" || a["destination_service"] != "reviews.default.svc.cluster.local" || a["response_flags"] != "-" {
					t.Errorf("point attributes %v", a)
				}
				if _, ok := a["grpc_response_status"]; ok {
					t.Error("empty label grpc_response_status kept; Prometheus drops it")
				}
				if _, ok := a["job"]; ok {
					t.Error("target label job repeated on the point")
				}
			}
			if !slices.Equal(values, []float64{42, 3}) {
				t.Errorf("istio_requests_total values %v", values)
			}

			h := mustMetric(t, md, "istio_request_duration_milliseconds", pmetric.MetricTypeHistogram)
			if promType(h) != "histogram" || h.Unit() != tc.unit {
				t.Errorf("histogram metadata: type %q unit %q", promType(h), h.Unit())
			}
			if h.Histogram().DataPoints().Len() != 2 {
				t.Fatalf("%d histogram points", h.Histogram().DataPoints().Len())
			}
			dp := h.Histogram().DataPoints().At(0)
			if got := dp.ExplicitBounds().AsRaw(); !slices.Equal(got, istioBounds) {
				t.Errorf("bounds %v", got)
			}
			var cum uint64
			for i, n := range dp.BucketCounts().AsRaw() {
				cum += n
				if cum != istio200Cumulative[i] {
					t.Errorf("bucket %d: cumulative %d, want %d", i, cum, istio200Cumulative[i])
				}
			}
			if dp.Count() != 42 || !dp.HasSum() || dp.Sum() != 1234.5 {
				t.Errorf("count %d sum %v", dp.Count(), dp.Sum())
			}
			if _, ok := dp.Attributes().Get("le"); ok {
				t.Error("histogram point has an le attribute")
			}

			live := mustMetric(t, md, "envoy_server_live", pmetric.MetricTypeGauge)
			if promType(live) != "gauge" || live.Gauge().DataPoints().At(0).DoubleValue() != 1 {
				t.Error("envoy_server_live")
			}
			for _, name := range tc.createdSeries {
				m := mustMetric(t, md, name, pmetric.MetricTypeGauge)
				if promType(m) != "" {
					t.Errorf("%s carries type %q; Prometheus does not count it in the family", name, promType(m))
				}
			}
			if got := reportValue(t, md, "up"); got != 1 {
				t.Errorf("up = %v", got)
			}
			if got := reportValue(t, md, "scrape_samples_scraped"); got != tc.scraped {
				t.Errorf("scrape_samples_scraped = %v, want %v", got, tc.scraped)
			}
			if got := reportValue(t, md, "scrape_series_added"); got != tc.scraped {
				t.Errorf("scrape_series_added = %v, want %v", got, tc.scraped)
			}
			// Metadata as Prometheus' /api/v1/metadata lists it: families as
			// exposed (OpenMetrics counters without _total), no report series.
			_, meta := stored(t, md)
			want := []storage.Metadata{
				{Metric: tc.counterFamily, Type: "counter", Help: tc.counterHelp},
				{Metric: "istio_request_duration_milliseconds", Type: "histogram", Unit: tc.unit},
				{Metric: tc.tcpFamily, Type: "counter"},
				{Metric: "envoy_server_live", Type: "gauge"},
				{Metric: "envoy_server_memory_allocated", Type: "gauge"},
			}
			if !slices.Equal(meta, want) {
				t.Errorf("metadata\n%v\nwant\n%v", meta, want)
			}

			// A second identical scrape adds no series and marks nothing stale.
			md2, _ := convertChecked(t, c, readTestdata(t, tc.file), tc.contentType, nil, t0.Add(15e9))
			if got := reportValue(t, md2, "scrape_series_added"); got != 0 {
				t.Errorf("second scrape: scrape_series_added = %v", got)
			}
			if n := staleCount(md2); n != 0 {
				t.Errorf("second scrape: %d staleness markers", n)
			}
		})
	}
}

// TestConvertFamilies checks each family shape, and that malformed
// histograms and summaries fall back to the raw series as Gauges. The
// contract round trip (convertChecked) proves the stored series are exact in
// every case.
func TestConvertFamilies(t *testing.T) {
	for _, tc := range []struct {
		name, body  string
		contentType string
		want        map[string]pmetric.MetricType // metric name -> type
		check       func(t *testing.T, md pmetric.Metrics)
	}{
		{
			name: "histogram le normalised",
			body: "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1e3\"} 2\nh_bucket{le=\"+inf\"} 3\nh_sum 7\nh_count 3\n",
			want: map[string]pmetric.MetricType{"h": pmetric.MetricTypeHistogram},
			check: func(t *testing.T, md pmetric.Metrics) {
				dp := mustMetric(t, md, "h", pmetric.MetricTypeHistogram).Histogram().DataPoints().At(0)
				if !slices.Equal(dp.ExplicitBounds().AsRaw(), []float64{1, 1000}) || !slices.Equal(dp.BucketCounts().AsRaw(), []uint64{1, 1, 1}) {
					t.Errorf("bounds %v counts %v", dp.ExplicitBounds().AsRaw(), dp.BucketCounts().AsRaw())
				}
			},
		},
		{
			name: "histogram buckets out of order, no sum",
			body: "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 3\nh_bucket{le=\"0.5\"} 1\n",
			want: map[string]pmetric.MetricType{"h": pmetric.MetricTypeHistogram},
			check: func(t *testing.T, md pmetric.Metrics) {
				if mustMetric(t, md, "h", pmetric.MetricTypeHistogram).Histogram().DataPoints().At(0).HasSum() {
					t.Error("HasSum without h_sum")
				}
			},
		},
		{
			name: "histogram without +Inf",
			body: "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_sum": pmetric.MetricTypeGauge, "h_count": pmetric.MetricTypeGauge},
			check: func(t *testing.T, md pmetric.Metrics) {
				if typ := promType(mustMetric(t, md, "h_bucket", pmetric.MetricTypeGauge)); typ != "histogram" {
					t.Errorf("fallback gauge type %q, want the family's", typ)
				}
				// The flattened series still report their family's metadata.
				if _, meta := stored(t, md); !slices.Equal(meta, []storage.Metadata{{Metric: "h", Type: "histogram"}}) {
					t.Errorf("metadata %v", meta)
				}
			},
		},
		{
			name: "histogram without count",
			body: "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_sum": pmetric.MetricTypeGauge},
		},
		{
			name: "histogram non-monotonic",
			body: "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 4\nh_count 4\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_count": pmetric.MetricTypeGauge},
		},
		{
			name: "histogram fractional counts",
			body: "# TYPE h histogram\nh_bucket{le=\"1\"} 0.5\nh_bucket{le=\"+Inf\"} 1.5\nh_count 1.5\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_count": pmetric.MetricTypeGauge},
		},
		{
			name: "histogram +Inf differs from count",
			body: "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 4\nh_count 5\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_count": pmetric.MetricTypeGauge},
		},
		{
			name: "histogram bad le and NaN count",
			body: "# TYPE h histogram\nh_bucket{le=\"x\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count NaN\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_count": pmetric.MetricTypeGauge},
		},
		{
			name: "histogram sum with le stays apart",
			body: "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum{le=\"1\"} 3\n",
			want: map[string]pmetric.MetricType{"h": pmetric.MetricTypeHistogram, "h_sum": pmetric.MetricTypeGauge},
		},
		{
			name: "histogram mixed timestamps",
			body: "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1 1000\nh_count 1 2000\n",
			want: map[string]pmetric.MetricType{"h_bucket": pmetric.MetricTypeGauge, "h_count": pmetric.MetricTypeGauge},
		},
		{
			name: "two histograms interleaved with other labels",
			body: "# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\nh_bucket{a=\"2\",le=\"+Inf\"} 2\nh_count{a=\"2\"} 2\nh_count{a=\"1\"} 1\n",
			want: map[string]pmetric.MetricType{"h": pmetric.MetricTypeHistogram},
			check: func(t *testing.T, md pmetric.Metrics) {
				if n := mustMetric(t, md, "h", pmetric.MetricTypeHistogram).Histogram().DataPoints().Len(); n != 2 {
					t.Errorf("%d points", n)
				}
			},
		},
		{
			name: "summary",
			body: "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"0.99\"} 9\ns_sum 20\ns_count 4\n",
			want: map[string]pmetric.MetricType{"s": pmetric.MetricTypeSummary},
			check: func(t *testing.T, md pmetric.Metrics) {
				dp := mustMetric(t, md, "s", pmetric.MetricTypeSummary).Summary().DataPoints().At(0)
				if dp.QuantileValues().Len() != 2 || dp.Count() != 4 || dp.Sum() != 20 || dp.QuantileValues().At(1).Value() != 9 {
					t.Errorf("summary point: %d quantiles, count %d, sum %v", dp.QuantileValues().Len(), dp.Count(), dp.Sum())
				}
			},
		},
		{
			name: "summary without sum",
			body: "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_count 4\n",
			want: map[string]pmetric.MetricType{"s": pmetric.MetricTypeGauge, "s_count": pmetric.MetricTypeGauge},
		},
		{
			name:        "counter without _total, untyped, gaugehistogram",
			contentType: omType,
			body:        "# TYPE c counter\nc_total 1\n# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\ng_gsum 2\nuntyped_thing 3\n# EOF\n",
			want: map[string]pmetric.MetricType{
				"c_total": pmetric.MetricTypeSum, "g_bucket": pmetric.MetricTypeGauge, "g_gcount": pmetric.MetricTypeGauge,
				"g_gsum": pmetric.MetricTypeGauge, "untyped_thing": pmetric.MetricTypeGauge,
			},
			check: func(t *testing.T, md pmetric.Metrics) {
				if typ := promType(mustMetric(t, md, "untyped_thing", pmetric.MetricTypeGauge)); typ != "" {
					t.Errorf("series outside any family has type %q", typ)
				}
			},
		},
		{
			name:        "info and stateset",
			contentType: omType,
			body:        "# TYPE build info\nbuild_info{version=\"1.2\"} 1\n# TYPE st stateset\nst{st=\"a\"} 1\nst{st=\"b\"} 0\n# EOF\n",
			want:        map[string]pmetric.MetricType{"build_info": pmetric.MetricTypeGauge, "st": pmetric.MetricTypeGauge},
		},
		{
			name: "duplicate series keep the first",
			body: "a{x=\"1\"} 1\na{x=\"1\"} 2\na{x=\"1\",y=\"\"} 3\n",
			want: map[string]pmetric.MetricType{"a": pmetric.MetricTypeGauge},
			check: func(t *testing.T, md pmetric.Metrics) {
				dps := mustMetric(t, md, "a", pmetric.MetricTypeGauge).Gauge().DataPoints()
				if dps.Len() != 1 || dps.At(0).DoubleValue() != 1 {
					t.Errorf("%d points", dps.Len())
				}
				if reportValue(t, md, "scrape_samples_post_metric_relabeling") != 3 || reportValue(t, md, "scrape_series_added") != 1 {
					t.Error("duplicates miscounted")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = textType
			}
			c := newTestConverter(t, JobConfig{})
			md, out := convertChecked(t, c, []byte(tc.body), ct, nil, t0)
			if out.err != nil {
				t.Fatalf("scrape failed: %v", out.err)
			}
			got := map[string]pmetric.MetricType{}
			for _, m := range allMetrics(md) {
				if !slices.Contains(reportNames[:], m.Name()) {
					got[m.Name()] = m.Type()
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("metrics %v, want %v", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, md)
			}
		})
	}
}

func TestConvertLabels(t *testing.T) {
	f := false
	for _, tc := range []struct {
		name      string
		jc        JobConfig
		body      string
		wantPoint map[string]string
		wantBare  bool // the series sits under an empty Resource
	}{
		{
			name:      "conflicts renamed to exported_",
			body:      `m{job="app",instance="pod:80",exported_job="x",zone="a"} 1` + "\n",
			wantPoint: map[string]string{"exported_instance": "pod:80", "exported_exported_job": "app", "exported_job": "x", "zone": "a"},
		},
		{
			name:      "static label conflict",
			jc:        JobConfig{StaticConfigs: []StaticConfig{{Targets: []string{testAddr}, Labels: map[string]string{"zone": "eu"}}}},
			body:      `m{zone="a"} 1` + "\n",
			wantPoint: map[string]string{"exported_zone": "a"},
		},
		{
			name:      "honor_labels keeps scraped values",
			jc:        JobConfig{HonorLabels: true},
			body:      `m{job="app",zone="a"} 1` + "\n",
			wantPoint: map[string]string{"job": "app", "zone": "a"},
		},
		{
			name:      "honor_labels with an empty scraped value drops the target label",
			jc:        JobConfig{HonorLabels: true},
			body:      `m{instance=""} 1` + "\nother 1\n",
			wantPoint: map[string]string{"job": "istio-proxies"},
			wantBare:  true,
		},
		{
			name:      "honor_timestamps off ignores exposed timestamps",
			jc:        JobConfig{HonorTimestamps: &f},
			body:      "m 1 1000\n",
			wantPoint: map[string]string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConverter(t, tc.jc)
			md, out := convertChecked(t, c, []byte(tc.body), textType, nil, t0)
			if out.err != nil {
				t.Fatal(out.err)
			}
			dp := mustMetric(t, md, "m", pmetric.MetricTypeGauge).Gauge().DataPoints().At(0)
			if got := attrsOf(dp.Attributes()); !maps.Equal(got, tc.wantPoint) {
				t.Errorf("point attributes %v, want %v", got, tc.wantPoint)
			}
			if dp.Timestamp() != pcommon.NewTimestampFromTime(t0) {
				t.Errorf("timestamp %v", dp.Timestamp().AsTime())
			}
			wantResources := 1
			if tc.wantBare {
				wantResources = 2
				if n := md.ResourceMetrics().At(1).Resource().Attributes().Len(); n != 0 {
					t.Errorf("bare series under a Resource with %d attributes", n)
				}
			}
			if n := md.ResourceMetrics().Len(); n != wantResources {
				t.Errorf("%d resources, want %d", n, wantResources)
			}
		})
	}
}

func TestConvertHonorTimestamps(t *testing.T) {
	c := newTestConverter(t, JobConfig{})
	at := t0.UnixMilli() - 5000
	body := []byte("with_ts 1 " + strconv.FormatInt(at, 10) + "\nwithout 2\n")
	md, _ := convertChecked(t, c, body, textType, nil, t0)
	dp := mustMetric(t, md, "with_ts", pmetric.MetricTypeGauge).Gauge().DataPoints().At(0)
	if got := dp.Timestamp().AsTime().UnixMilli(); got != at {
		t.Errorf("exposed timestamp %d, want %d", got, at)
	}
	// Series with exposed timestamps are not tracked for staleness.
	md, _ = convertChecked(t, c, []byte("other 1\n"), textType, nil, t0.Add(15e9))
	if n := staleCount(md); n != 1 {
		t.Errorf("%d staleness markers, want 1 (only the series without a timestamp)", n)
	}

	tracking := newTestConverter(t, JobConfig{TrackTimestampsStaleness: true})
	convertChecked(t, tracking, body, textType, nil, t0)
	md, _ = convertChecked(t, tracking, []byte("other 1\n"), textType, nil, t0.Add(15e9))
	if n := staleCount(md); n != 2 {
		t.Errorf("track_timestamps_staleness: %d staleness markers, want 2", n)
	}
}

func TestConvertFailures(t *testing.T) {
	for _, tc := range []struct {
		name, body, contentType string
		jc                      JobConfig
		wantErr                 string
		wantScraped             float64
	}{
		{name: "garbage", body: "\x1f\x8b\x08\x00 gzip without Content-Encoding", contentType: textType, wantErr: "parsing text/plain"},
		{name: "html as text", body: "<html><body>oops</body></html>", contentType: textType, wantErr: "parsing text/plain"},
		{name: "html", body: "<html><body>502 Bad Gateway</body></html>", contentType: "text/html", wantErr: "unsupported Content-Type"},
		{name: "no content type", body: "m 1\n", contentType: "", wantErr: "blank Content-Type"},
		{name: "openmetrics without EOF", body: "m 1\n", contentType: omType, wantErr: "parsing application/openmetrics-text", wantScraped: 1},
		{name: "duplicate label names", body: `m{a="1",a="2"} 1` + "\n", contentType: textType, wantErr: "not unique", wantScraped: 1},
		{name: "sample limit", body: "a 1\nb 1\nc 1\n", contentType: textType, jc: JobConfig{SampleLimit: 2}, wantErr: "sample limit exceeded", wantScraped: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConverter(t, tc.jc)
			convertChecked(t, c, []byte("a 1\nb 1\n"), textType, nil, t0)
			md, out := convertChecked(t, c, []byte(tc.body), tc.contentType, nil, t0.Add(15e9))
			if out.err == nil || !strings.Contains(out.err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", out.err, tc.wantErr)
			}
			if reportValue(t, md, "up") != 0 {
				t.Error("up != 0")
			}
			if got := reportValue(t, md, "scrape_samples_scraped"); got != tc.wantScraped {
				t.Errorf("scrape_samples_scraped = %v, want %v", got, tc.wantScraped)
			}
			if n := staleCount(md); n != 2 {
				t.Errorf("%d staleness markers, want 2", n)
			}
		})
	}

	t.Run("fallback_scrape_protocol", func(t *testing.T) {
		c := newTestConverter(t, JobConfig{FallbackScrapeProtocol: PrometheusText0_0_4})
		_, out := convertChecked(t, c, []byte("m 1\n"), "", nil, t0)
		if out.err != nil {
			t.Fatal(out.err)
		}
	})
	t.Run("empty body is an empty successful scrape", func(t *testing.T) {
		c := newTestConverter(t, JobConfig{})
		convertChecked(t, c, []byte("a 1\n"), textType, nil, t0)
		md, out := convertChecked(t, c, nil, textType, nil, t0.Add(15e9))
		if out.err != nil || reportValue(t, md, "up") != 1 || staleCount(md) != 1 {
			t.Errorf("err %v, up %v, %d markers", out.err, reportValue(t, md, "up"), staleCount(md))
		}
	})
	t.Run("fetch error", func(t *testing.T) {
		c := newTestConverter(t, JobConfig{})
		md, out := convertChecked(t, c, nil, "", errors.New("connection refused"), t0)
		if out.err == nil || reportValue(t, md, "up") != 0 {
			t.Error("fetch error not reported")
		}
	})
}

// TestStaleness follows one target through series disappearing, a failed
// scrape and a recovery, checking the shape of the markers.
func TestStaleness(t *testing.T) {
	full := string(readTestdata(t, "istio_small.prom"))
	var withoutCode503, withoutBucket []string
	for line := range strings.Lines(full) {
		if !strings.Contains(line, `response_code="503"`) {
			withoutCode503 = append(withoutCode503, line)
		}
		if !strings.Contains(line, `le="0.5"`) {
			withoutBucket = append(withoutBucket, line)
		}
	}
	c := newTestConverter(t, JobConfig{})
	step := 0
	next := func(body string, fetchErr error) pmetric.Metrics {
		step++
		md, _ := convertChecked(t, c, []byte(body), textType, fetchErr, t0.Add(time.Duration(step)*15*time.Second))
		return md
	}
	next(full, nil)

	// The 503 series go: its counter as a Sum marker, its histogram as one
	// Histogram marker with the same bounds.
	md := next(strings.Join(withoutCode503, ""), nil)
	if n := staleCount(md); n != 2 {
		t.Errorf("503 gone: %d markers, want 2", n)
	}
	h := mustMetric(t, md, "istio_request_duration_milliseconds", pmetric.MetricTypeHistogram)
	var marker pmetric.HistogramDataPoint
	for _, dp := range h.Histogram().DataPoints().All() {
		if dp.Flags().NoRecordedValue() {
			marker = dp
		}
	}
	if marker.ExplicitBounds().Len() != len(istioBounds) || !marker.HasSum() {
		t.Errorf("histogram marker bounds %v sum %v", marker.ExplicitBounds().AsRaw(), marker.HasSum())
	}

	// One bucket goes while its histogram stays: a Gauge marker for that
	// series alone.
	md = next(strings.Join(withoutBucket, ""), nil)
	alone := mustMetric(t, md, "istio_request_duration_milliseconds_bucket", pmetric.MetricTypeGauge)
	if alone.Gauge().DataPoints().Len() != 1 {
		// The 503 histogram came back without that bucket: nothing to mark.
		t.Errorf("%d bucket markers, want 1", alone.Gauge().DataPoints().Len())
	}
	if le, _ := alone.Gauge().DataPoints().At(0).Attributes().Get("le"); le.Str() != "0.5" {
		t.Errorf("bucket marker le %q", le.Str())
	}

	// The target fails: everything it had goes stale, once.
	md = next("", errors.New("connection refused"))
	if n := staleCount(md); n == 0 {
		t.Error("no markers after a failed scrape")
	}
	if md = next("", errors.New("connection refused")); staleCount(md) != 0 {
		t.Error("markers repeated on the second failure")
	}
	if md = next(full, nil); staleCount(md) != 0 {
		t.Error("markers on recovery")
	}
}
