package promapi

import (
	"cmp"
	"compress/gzip"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

const (
	details = "details.default.svc.cluster.local"
	ratings = "ratings.default.svc.cluster.local"
	reviews = "reviews.default.svc.cluster.local"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// byLabel indexes a vector's values by one label.
func byLabel(tb testing.TB, v model.Value, label model.LabelName) map[string]float64 {
	tb.Helper()
	vec, ok := v.(model.Vector)
	if !ok {
		tb.Fatalf("got %s, want vector", v.Type())
	}
	out := map[string]float64{}
	for _, s := range vec {
		out[string(s.Metric[label])] = float64(s.Value)
	}
	return out
}

func TestQuery(t *testing.T) {
	h := fixture(t)
	at := t0.Add(30 * time.Minute)
	tests := []struct {
		name  string
		query string
		label model.LabelName
		want  map[string]float64
	}{
		{
			name:  "request rate per destination",
			query: `sum by (destination_service)(rate(istio_requests_total{reporter="destination"}[5m]))`,
			label: "destination_service",
			want:  map[string]float64{details: 20, ratings: 20, reviews: 20},
		},
		{
			name:  "error ratio",
			query: `sum(rate(istio_requests_total{reporter="destination",response_code=~"5.."}[5m])) / sum(rate(istio_requests_total{reporter="destination"}[5m]))`,
			want:  map[string]float64{"": 0.1},
		},
		{
			name:  "p99 latency",
			query: `histogram_quantile(0.99, sum by (le)(rate(istio_request_duration_milliseconds_bucket[5m])))`,
			want:  map[string]float64{"": 250},
		},
		{
			name:  "p50 latency per destination",
			query: `histogram_quantile(0.5, sum by (le, destination_service)(rate(istio_request_duration_milliseconds_bucket[5m])))`,
			label: "destination_service",
			want:  map[string]float64{details: 10, ratings: 10, reviews: 10},
		},
		{
			name:  "subquery without step uses the evaluation interval",
			query: `max_over_time(sum(rate(istio_requests_total[5m]))[10m:])`,
			want:  map[string]float64{"": 120},
		},
		{
			name:  "@ modifier and negative offset",
			query: `sum(istio_requests_total{reporter="source"} @ ` + unix(t0.Add(10*time.Minute)) + `) - sum(istio_requests_total{reporter="source"} offset -10m @ ` + unix(t0) + `)`,
			want:  map[string]float64{"": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, warnings, _, err := h.client.Query(ctxT(t), tt.query, at)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			got := byLabel(t, v, tt.label)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if g, ok := got[k]; !ok || !near(g, w) {
					t.Errorf("%s: got %v, want %v", k, g, w)
				}
			}
		})
	}
}

func TestQueryValueTypes(t *testing.T) {
	h := fixture(t)
	at := t0.Add(time.Minute)
	tests := []struct {
		query string
		want  string
	}{
		{`1 + 1`, "scalar: 2 @[" + model.TimeFromUnixNano(at.UnixNano()).String() + "]"},
		{`istio_requests_total{source_workload="none"}`, ""},
		{`envoy_server_live`, `envoy_server_live => 0 @[` + model.TimeFromUnixNano(at.UnixNano()).String() + "]"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, _, _, err := h.client.Query(ctxT(t), tt.query, at)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if got := v.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQueryRange(t *testing.T) {
	h := fixture(t)
	r := v1.Range{Start: t0.Add(10 * time.Minute), End: t0.Add(20 * time.Minute), Step: time.Minute}
	v, _, _, err := h.client.QueryRange(ctxT(t), `sum by (destination_service)(rate(istio_requests_total{reporter="destination"}[5m]))`, r,
		v1.WithTimeout(time.Minute), v1.WithLookbackDelta(time.Minute))
	if err != nil {
		t.Fatalf("QueryRange: %v", err)
	}
	m, ok := v.(model.Matrix)
	if !ok || len(m) != 3 {
		t.Fatalf("got %v, want a matrix of 3 series", v)
	}
	for _, s := range m {
		if len(s.Values) != 11 {
			t.Errorf("%s: %d points, want 11", s.Metric, len(s.Values))
		}
		for i, p := range s.Values {
			if want := r.Start.Add(time.Duration(i) * r.Step); !p.Timestamp.Time().Equal(want) || !near(float64(p.Value), 20) {
				t.Errorf("%s point %d: got %v, want 20 @ %v", s.Metric, i, p, want)
			}
		}
	}
}

func TestQueryAnnotationsAndLimit(t *testing.T) {
	h := fixture(t)
	at := t0.Add(30 * time.Minute)
	tests := []struct {
		name          string
		query         string
		opts          []v1.Option
		wantSeries    int
		wantWarnings  []string
		wantInfoParts []string
	}{
		{
			name:          "info: rate over a gauge",
			query:         `rate(envoy_server_live[5m])`,
			wantSeries:    1,
			wantInfoParts: []string{`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "envoy_server_live"`},
		},
		{
			name:         "warning: quantile out of range",
			query:        `quantile(2, envoy_server_live)`,
			wantSeries:   1,
			wantWarnings: []string{`PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)`},
		},
		{
			name:         "limit truncates with a warning",
			query:        `istio_requests_total`,
			opts:         []v1.Option{v1.WithLimit(5)},
			wantSeries:   5,
			wantWarnings: []string{"results truncated due to limit"},
		},
		{
			name:       "limit above the result size",
			query:      `istio_requests_total`,
			opts:       []v1.Option{v1.WithLimit(1000)},
			wantSeries: smallMesh.seriesCount(),
		},
		{
			name:       "stats=all",
			query:      `envoy_server_live`,
			opts:       []v1.Option{v1.WithStats(v1.AllStatsValue)},
			wantSeries: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, warnings, infos, err := h.client.Query(ctxT(t), tt.query, at, tt.opts...)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if n := len(v.(model.Vector)); n != tt.wantSeries {
				t.Errorf("got %d series, want %d", n, tt.wantSeries)
			}
			if !slices.Equal(warnings, tt.wantWarnings) {
				t.Errorf("warnings %q, want %q", warnings, tt.wantWarnings)
			}
			if len(infos) != len(tt.wantInfoParts) {
				t.Fatalf("infos %q, want %d", infos, len(tt.wantInfoParts))
			}
			for i, part := range tt.wantInfoParts {
				if !strings.Contains(infos[i], part) {
					t.Errorf("info %q does not contain %q", infos[i], part)
				}
			}
		})
	}
}

func TestSeries(t *testing.T) {
	h := fixture(t)
	tests := []struct {
		name         string
		match        []string
		start, end   time.Time
		limit        uint64
		want         int
		wantWarnings []string
	}{
		{name: "one destination", match: []string{`istio_requests_total{destination_service="` + details + `"}`}, want: 8},
		{name: "overlapping sets are merged", match: []string{
			`istio_requests_total{destination_service="` + details + `"}`,
			`istio_requests_total{response_code="503",reporter="source"}`,
		}, want: 8 + 4},
		{name: "time range", match: []string{`istio_requests_total`}, start: t0.Add(10 * time.Minute), end: t0.Add(20 * time.Minute), want: 24},
		{name: "time range after the data", match: []string{`istio_requests_total`}, start: t0.Add(2 * time.Hour), end: t0.Add(3 * time.Hour), want: 0},
		{name: "limit", match: []string{`istio_requests_total`}, limit: 3, want: 3, wantWarnings: []string{"results truncated due to limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []v1.Option
			if tt.limit > 0 {
				opts = append(opts, v1.WithLimit(tt.limit))
			}
			sets, warnings, _, err := h.client.Series(ctxT(t), tt.match, tt.start, tt.end, opts...)
			if err != nil {
				t.Fatalf("Series: %v", err)
			}
			if len(sets) != tt.want {
				t.Errorf("got %d series, want %d", len(sets), tt.want)
			}
			for _, s := range sets {
				if s["__name__"] != "istio_requests_total" || s["reporter"] == "" {
					t.Errorf("unexpected series %v", s)
				}
			}
			if !slices.Equal(warnings, tt.wantWarnings) {
				t.Errorf("warnings %q, want %q", warnings, tt.wantWarnings)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	h := fixture(t)
	names := func(ln model.LabelNames) []string {
		out := make([]string, len(ln))
		for i, n := range ln {
			out[i] = string(n)
		}
		return out
	}
	values := func(lv model.LabelValues) []string {
		out := make([]string, len(lv))
		for i, v := range lv {
			out[i] = string(v)
		}
		return out
	}
	tests := []struct {
		name         string
		label        string // "" asks for label names
		match        []string
		limit        uint64
		want         []string
		wantN        int // when want is nil: how many
		wantWarnings []string
	}{
		{name: "all names", want: []string{"__name__", "destination_service", "k8s.pod", "le", "reporter", "response_code", "source_workload"}},
		{name: "names of one metric", match: []string{"istio_requests_total"}, want: []string{"__name__", "destination_service", "reporter", "response_code", "source_workload"}},
		{name: "names of two metrics", match: []string{"envoy_server_live", "meshlens_up"}, want: []string{"__name__", "k8s.pod"}},
		{name: "names with limit", limit: 2, want: []string{"__name__", "destination_service"}, wantWarnings: []string{"results truncated due to limit"}},
		{name: "metric names", label: "__name__", want: []string{"envoy_server_live", "istio_request_duration_milliseconds_bucket", "istio_requests_total", "meshlens_up"}},
		{name: "values with match", label: "destination_service", match: []string{`istio_requests_total{source_workload="reviews-v2"}`}, want: []string{details, ratings, reviews}},
		{name: "values of two sets", label: "response_code", match: []string{`{response_code="200"}`, `{response_code="503"}`}, want: []string{"200", "503"}},
		// Storage applies the limit before the API sorts, as in Prometheus:
		// which 3 values come back is up to the store.
		{name: "values with limit", label: "le", limit: 3, wantN: 3, wantWarnings: []string{"results truncated due to limit"}},
		{name: "UTF-8 label name", label: "k8s.pod", want: []string{"meshlens-0"}},
		{name: "escaped label name", label: "U__k8s_2e_pod", want: []string{"meshlens-0"}},
		{name: "unknown label", label: "nope", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []v1.Option
			if tt.limit > 0 {
				opts = append(opts, v1.WithLimit(tt.limit))
			}
			var (
				got      []string
				warnings v1.Warnings
			)
			if tt.label == "" {
				ln, w, _, err := h.client.LabelNames(ctxT(t), tt.match, time.Time{}, time.Time{}, opts...)
				got, warnings = names(must(t, ln, err)), w
			} else {
				lv, w, _, err := h.client.LabelValues(ctxT(t), tt.label, tt.match, t0, t0.Add(dataSpan), opts...)
				got, warnings = values(must(t, lv, err)), w
			}
			if tt.want == nil && len(got) != tt.wantN || tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q (%d)", got, tt.want, tt.wantN)
			}
			if !slices.IsSorted(got) {
				t.Errorf("got %q, not sorted", got)
			}
			if !slices.Equal(warnings, tt.wantWarnings) {
				t.Errorf("warnings %q, want %q", warnings, tt.wantWarnings)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	h := fixture(t)
	tests := []struct {
		metric, limit string
		want          map[string]int // family → entries
	}{
		{want: map[string]int{"istio_requests_total": 1, "istio_request_duration_milliseconds": 2}},
		{metric: "istio_requests_total", want: map[string]int{"istio_requests_total": 1}},
		{metric: "nope", want: map[string]int{}},
		{limit: "1", want: nil}, // one family, either
		{limit: "0", want: map[string]int{}},
		{limit: "-1", want: map[string]int{"istio_requests_total": 1, "istio_request_duration_milliseconds": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.metric+"/"+tt.limit, func(t *testing.T) {
			got, err := h.client.Metadata(ctxT(t), tt.metric, tt.limit)
			must(t, got, err)
			if tt.want == nil {
				if len(got) != 1 {
					t.Errorf("got %v, want one family", got)
				}
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for name, n := range tt.want {
				if len(got[name]) != n {
					t.Errorf("%s: got %v, want %d entries", name, got[name], n)
				}
			}
		})
	}
	if md := got1(t, h, "istio_request_duration_milliseconds"); md.Type != v1.MetricTypeHistogram || md.Unit != "milliseconds" || md.Help != "Request duration." {
		t.Errorf("got %+v", md)
	}

	t.Run("no store", func(t *testing.T) {
		h := newHarness(t, openTSDB(t), nil, Options{})
		if got, err := h.client.Metadata(ctxT(t), "", ""); err != nil || len(got) != 0 {
			t.Errorf("got %v, want {}", got)
		}
	})
}

// got1 is the first metadata entry of a family.
func got1(tb testing.TB, h *harness, family string) v1.Metadata {
	tb.Helper()
	got, err := h.client.Metadata(ctxT(tb), family, "")
	must(tb, got, err)
	if len(got[family]) == 0 {
		tb.Fatalf("no metadata for %s in %v", family, got)
	}
	return got[family][0]
}

func TestExemplars(t *testing.T) {
	h := fixture(t)
	tests := []struct {
		query      string
		start, end time.Time
		want       int
	}{
		{query: `istio_request_duration_milliseconds_bucket`, want: 1},
		{query: `histogram_quantile(0.9, rate(istio_request_duration_milliseconds_bucket{le="25"}[5m]))`, start: t0, end: t0.Add(time.Hour), want: 1},
		{query: `istio_request_duration_milliseconds_bucket`, start: t0, end: t0.Add(10 * time.Minute), want: 0},
		{query: `istio_requests_total`, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := h.client.QueryExemplars(ctxT(t), tt.query, tt.start, tt.end)
			must(t, res, err)
			if len(res) != tt.want {
				t.Fatalf("got %v, want %d results", res, tt.want)
			}
			if tt.want == 0 {
				return
			}
			ex := res[0].Exemplars
			if len(ex) != 1 || ex[0].Labels["trace_id"] != "6d67d674" || ex[0].Value != 17 || !ex[0].Timestamp.Time().Equal(t0.Add(30*time.Minute)) {
				t.Errorf("got %+v", ex)
			}
		})
	}
}

func TestFormatQuery(t *testing.T) {
	h := fixture(t)
	got, err := h.client.FormatQuery(ctxT(t), `sum(rate(istio_requests_total{reporter="destination"}[5m]))by(destination_service)`)
	must(t, got, err)
	want := `"sum by (destination_service) (rate(istio_requests_total{reporter=\"destination\"}[5m]))"`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestStatus(t *testing.T) {
	db := openTSDB(t)
	load(t, db, smallMesh)
	h := newHarness(t, db, nil, Options{Retention: 15 * 24 * time.Hour, ScrapeInterval: 5 * time.Second})
	ctx := ctxT(t)

	bi, err := h.client.Buildinfo(ctx)
	must(t, bi, err)
	if bi.Version != PrometheusVersion || !strings.HasPrefix(bi.GoVersion, "go") {
		t.Errorf("buildinfo %+v", bi)
	}

	cfg, err := h.client.Config(ctx)
	must(t, cfg, err)
	for _, line := range []string{"scrape_interval: 5s", "scrape_timeout: 5s", "evaluation_interval: 1m"} {
		if !strings.Contains(cfg.YAML, line) {
			t.Errorf("config %q lacks %q", cfg.YAML, line)
		}
	}

	flags, err := h.client.Flags(ctx)
	must(t, flags, err)
	for k, v := range map[string]string{"query.lookback-delta": "5m", "query.timeout": "2m", "query.max-samples": "50000000", "storage.tsdb.retention.time": "15d"} {
		if flags[k] != v {
			t.Errorf("flag %s = %q, want %q", k, flags[k], v)
		}
	}

	ri, err := h.client.Runtimeinfo(ctx)
	must(t, ri, err)
	if ri.StartTime.IsZero() || ri.GOMAXPROCS < 1 || ri.GoroutineCount < 1 || ri.StorageRetention != "15d" || !ri.ReloadConfigSuccess {
		t.Errorf("runtimeinfo %+v", ri)
	}

	st, err := h.client.TSDB(ctx, v1.WithLimit(2))
	must(t, st, err)
	buckets := 2 * 3 * len(latencyLE)
	wantSeries := smallMesh.seriesCount() + buckets + 2
	if st.HeadStats.NumSeries != wantSeries {
		t.Errorf("numSeries %d, want %d", st.HeadStats.NumSeries, wantSeries)
	}
	if got := st.SeriesCountByMetricName; len(got) != 2 || got[0].Name != "istio_request_duration_milliseconds_bucket" || int(got[0].Value) != buckets {
		t.Errorf("seriesCountByMetricName %+v", got)
	}
	if got := st.LabelValueCountByLabelName; len(got) != 2 || got[0].Name != "le" || int(got[0].Value) != len(latencyLE) {
		t.Errorf("labelValueCountByLabelName %+v", got)
	}
	if got := st.SeriesCountByLabelValuePair; len(got) != 2 || got[0].Name != "reporter=destination" {
		t.Errorf("seriesCountByLabelValuePair %+v", got)
	}
}

// TestWireFormat checks whole bodies as they leave the server: the exact
// bytes Prometheus would send, stats when asked, and gzip when accepted.
func TestWireFormat(t *testing.T) {
	h := fixture(t)
	get := func(t *testing.T, target string, header http.Header) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, h.srv.URL+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(req.Header, header)
		// A transport of its own, so that it does not gunzip for us.
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body)
	}
	one := url.Values{
		"query": {`istio_requests_total{source_workload="productpage-v1",destination_service="` + details + `",reporter="destination",response_code="503"}`},
		"time":  {unix(t0.Add(time.Minute))},
	}.Encode()
	const want = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"istio_requests_total","destination_service":"details.default.svc.cluster.local","reporter":"destination","response_code":"503","source_workload":"productpage-v1"},"value":[1767225660,"60"]}]}}`

	tests := []struct {
		name, target   string
		header         http.Header
		wantBody       string // exact, when not empty
		wantParts      []string
		wantEncoding   string
		wantStatusCode int
	}{
		{name: "exact body", target: "/api/v1/query?" + one, wantBody: want},
		{name: "gzip", target: "/api/v1/query?" + one, header: http.Header{"Accept-Encoding": {"gzip"}}, wantBody: want, wantEncoding: "gzip"},
		{name: "stats", target: "/api/v1/query?stats=all&" + one, wantParts: []string{`"stats":{"timings":{`, `"samples":{"totalQueryableSamplesPerStep":[[1767225660,1]],"totalQueryableSamples":1,`}},
		{name: "deprecated stats value", target: "/api/v1/query?stats=1&" + one, wantParts: []string{`"stats":{"timings":{`, `"warnings":["value \"1\" for parameter \"stats\" is deprecated and will be rejected in the next major release, use \"true\" or \"all\""]`}},
		{name: "series", target: "/api/v1/series?match[]=meshlens_up", wantBody: `{"status":"success","data":[{"__name__":"meshlens_up","k8s.pod":"meshlens-0"}]}`},
		{name: "empty label values", target: "/api/v1/label/nope/values", wantBody: `{"status":"success","data":[]}`},
		{name: "error", target: "/api/v1/query?query=%3C", wantBody: `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error: unexpected \u003cop:\u003c\u003e"}`, wantStatusCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, tt.target, tt.header)
			if wantCode := cmp.Or(tt.wantStatusCode, 200); resp.StatusCode != wantCode {
				t.Errorf("status %d, want %d", resp.StatusCode, wantCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if enc := resp.Header.Get("Content-Encoding"); enc != tt.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", enc, tt.wantEncoding)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body\n got %s\nwant %s", body, tt.wantBody)
			}
			for _, part := range tt.wantParts {
				if !strings.Contains(body, part) {
					t.Errorf("body %s\nlacks %s", body, part)
				}
			}
		})
	}
}
