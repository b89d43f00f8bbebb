package promapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	mlstorage "github.com/meshlens/meshlens/storage"
)

// The fixture mesh: Istio's standard metrics over one hour from t0, a
// sample every 15 s. Counters grow linearly, so rates are exact: each
// series serves its code's rate (in the small mesh 9 req/s with code 200
// and 1 req/s with 503), and every destination-reported request falls in
// latency buckets with cumulative fractions latencyCDF.
var (
	t0         = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dataSpan   = time.Hour
	scrapeStep = 15 * time.Second

	latencyLE  = []string{"1", "5", "10", "25", "50", "100", "250", "500", "1000", "+Inf"}
	latencyCDF = []float64{0, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 1, 1, 1}
)

// mesh describes which Istio series to load; codes maps each response
// code to its request rate per second.
type mesh struct {
	workloads, services, reporters []string
	codes                          map[string]float64
	histograms                     bool
}

var smallMesh = mesh{
	workloads:  []string{"productpage-v1", "reviews-v2"},
	services:   []string{"details.default.svc.cluster.local", "ratings.default.svc.cluster.local", "reviews.default.svc.cluster.local"},
	codes:      map[string]float64{"200": 9, "503": 1},
	reporters:  []string{"destination", "source"},
	histograms: true,
}

// seriesCount is how many istio_requests_total series m has.
func (m mesh) seriesCount() int {
	return len(m.workloads) * len(m.services) * len(m.codes) * len(m.reporters)
}

// openTSDB opens an empty TSDB in a temporary directory, closed at cleanup.
func openTSDB(tb testing.TB) *tsdb.DB {
	tb.Helper()
	opts := tsdb.DefaultOptions()
	opts.EnableExemplarStorage = true
	opts.MaxExemplars = 100
	db, err := tsdb.Open(tb.TempDir(), nil, nil, opts, nil)
	if err != nil {
		tb.Fatalf("open tsdb: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close tsdb: %v", err)
		}
	})
	return db
}

// load appends m's series to db, plus, when m has histograms, one
// exemplar and two series the tests need: a gauge and a series with a
// label name that is not a legacy Prometheus name.
func load(tb testing.TB, db *tsdb.DB, m mesh) {
	tb.Helper()
	app := db.Appender(context.Background())
	points := int(dataSpan/scrapeStep) + 1
	appendCounter := func(ls labels.Labels, perSecond float64) storage.SeriesRef {
		var ref storage.SeriesRef
		for i := range points {
			var err error
			ts := t0.Add(time.Duration(i) * scrapeStep).UnixMilli()
			ref, err = app.Append(ref, ls, ts, perSecond*float64(i)*scrapeStep.Seconds())
			if err != nil {
				tb.Fatalf("append %s: %v", ls, err)
			}
		}
		return ref
	}
	for _, w := range m.workloads {
		for _, s := range m.services {
			for _, r := range m.reporters {
				for c, perSecond := range m.codes {
					appendCounter(labels.FromStrings(
						"__name__", "istio_requests_total",
						"destination_service", s,
						"reporter", r,
						"response_code", c,
						"source_workload", w,
					), perSecond)
				}
				if !m.histograms || r != "destination" {
					continue
				}
				for i, le := range latencyLE {
					ls := labels.FromStrings(
						"__name__", "istio_request_duration_milliseconds_bucket",
						"destination_service", s,
						"le", le,
						"reporter", r,
						"source_workload", w,
					)
					ref := appendCounter(ls, 10*latencyCDF[i])
					if le == "25" && w == m.workloads[0] && s == m.services[0] {
						_, err := app.AppendExemplar(ref, ls, exemplar.Exemplar{
							Labels: labels.FromStrings("trace_id", "6d67d674"),
							Value:  17, Ts: t0.Add(30 * time.Minute).UnixMilli(), HasTs: true,
						})
						if err != nil {
							tb.Fatalf("append exemplar: %v", err)
						}
					}
				}
			}
		}
	}
	if m.histograms {
		appendCounter(labels.FromStrings("__name__", "envoy_server_live"), 0)
		appendCounter(labels.FromStrings("__name__", "meshlens_up", "k8s.pod", "meshlens-0"), 0)
	}
	if err := app.Commit(); err != nil {
		tb.Fatalf("commit: %v", err)
	}
}

// memMetadata is a MetadataStore in a map, keeping the store's contract
// on limits.
type memMetadata map[string][]mlstorage.Metadata

func (memMetadata) UpdateMetadata(context.Context, []mlstorage.Metadata) error { return nil }

func (m memMetadata) Metadata(_ context.Context, metric string, limit, perMetric int) (map[string][]mlstorage.Metadata, error) {
	out := map[string][]mlstorage.Metadata{}
	for name, entries := range m {
		if (metric != "" && name != metric) || (limit > 0 && len(out) >= limit) {
			continue
		}
		if perMetric > 0 && len(entries) > perMetric {
			entries = entries[:perMetric]
		}
		out[name] = entries
	}
	return out, nil
}

var fixtureMetadata = memMetadata{
	"istio_requests_total": {{Metric: "istio_requests_total", Type: "counter", Help: "Total requests."}},
	"istio_request_duration_milliseconds": {
		{Metric: "istio_request_duration_milliseconds", Type: "histogram", Help: "Request duration.", Unit: "milliseconds"},
		{Metric: "istio_request_duration_milliseconds", Type: "histogram", Help: "Duration of requests."},
	},
}

// harness is an API over a queryable, served by an httptest.Server, with
// a real Prometheus client pointed at it.
type harness struct {
	api    *API
	srv    *httptest.Server
	client v1.API
}

func newHarness(tb testing.TB, q storage.Queryable, md mlstorage.MetadataStore, opts Options) *harness {
	tb.Helper()
	a, err := New(q, md, opts, nil)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	tb.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	c, err := api.NewClient(api.Config{Address: srv.URL})
	if err != nil {
		tb.Fatalf("client: %v", err)
	}
	return &harness{api: a, srv: srv, client: v1.NewAPI(c)}
}

// fixture is the small mesh in a TSDB, served with metadata.
func fixture(tb testing.TB) *harness {
	tb.Helper()
	db := openTSDB(tb)
	load(tb, db, smallMesh)
	return newHarness(tb, db, fixtureMetadata, Options{})
}

// unix formats t as Prometheus float seconds.
func unix(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func ctxT(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func must[T any](tb testing.TB, v T, err error) T {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v", err)
	}
	return v
}
