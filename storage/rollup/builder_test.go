package rollup_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 30, 0, time.UTC)

// only returns the single row of rows, failing otherwise.
func only(t *testing.T, rows []storage.Rollup) storage.Rollup {
	t.Helper()
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1: %+v", len(rows), rows)
	}
	return rows[0]
}

func TestAccessLogs(t *testing.T) {
	base := storage.AccessLog{Start: t0, DurationMicros: 12_000, Protocol: "HTTP/1.1", ResponseCode: 200,
		BytesReceived: 10, BytesSent: 20, Reporter: storage.Reporter{Direction: "destination"},
		SourceService: "a", SourceNamespace: "ns", DestinationService: "b", DestinationNamespace: "ns", DestinationVersion: "v1"}
	with := func(f func(r *storage.AccessLog)) storage.AccessLog { r := base; f(&r); return r }
	cases := []struct {
		name     string
		rec      storage.AccessLog
		key      func(k *storage.RollupKey)
		counts   storage.RollupCounts
		duration float64 // -1: none in the sketch
	}{
		{"plaintext inbound", base, nil,
			storage.RollupCounts{Requests: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, 12},
		{"mtls inbound", with(func(r *storage.AccessLog) { r.SNI = "outbound_.9080_.v1_.b.ns.svc.cluster.local" }), nil,
			storage.RollupCounts{Requests: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1, MTLSRequests: 1}, 12},
		{"outbound: mtls unknown", with(func(r *storage.AccessLog) { r.Reporter.Direction = "source" }),
			func(k *storage.RollupKey) { k.Reporter = "source" }, storage.RollupCounts{Requests: 1, BytesIn: 10, BytesOut: 20}, 12},
		{"5xx", with(func(r *storage.AccessLog) { r.ResponseCode = 503 }), func(k *storage.RollupKey) { k.CodeClass = 5 },
			storage.RollupCounts{Requests: 1, Errors: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, 12},
		{"4xx", with(func(r *storage.AccessLog) { r.ResponseCode = 404 }), func(k *storage.RollupKey) { k.CodeClass = 4 },
			storage.RollupCounts{Requests: 1, ClientErrors: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, 12},
		{"failure flag on a 200", with(func(r *storage.AccessLog) { r.ResponseFlags = "UT" }), nil,
			storage.RollupCounts{Requests: 1, Errors: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, 12},
		{"tcp, unknown duration", with(func(r *storage.AccessLog) { r.Protocol, r.ResponseCode, r.DurationMicros = "", 0, -1 }),
			func(k *storage.RollupKey) { k.Edge.Protocol, k.CodeClass = "tcp", 0 },
			storage.RollupCounts{Requests: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, -1},
		{"grpc", with(func(r *storage.AccessLog) { r.Protocol, r.UserAgent = "HTTP/2", "grpc-go/1.70" }),
			func(k *storage.RollupKey) { k.Edge.Protocol = "grpc" },
			storage.RollupCounts{Requests: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, 12},
		{"empty services are unknown", with(func(r *storage.AccessLog) { r.SourceService = "" }),
			func(k *storage.RollupKey) { k.Edge.SourceService = "unknown" },
			storage.RollupCounts{Requests: 1, BytesIn: 10, BytesOut: 20, MTLSKnown: 1}, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := rollup.NewBuilder()
			b.AddAccessLogs([]storage.AccessLog{c.rec})
			got := only(t, b.Rows())
			want := storage.RollupKey{Minute: t0.Truncate(time.Minute), CodeClass: 2, Source: "logs", Reporter: "destination",
				Edge: storage.Edge{SourceService: c.rec.SourceService, SourceNamespace: "ns", DestinationService: "b",
					DestinationNamespace: "ns", DestinationVersion: "v1", Protocol: "http"}}
			if want.Edge.SourceService == "" {
				want.Edge.SourceService = "unknown"
			}
			if c.key != nil {
				c.key(&want)
			}
			if got.RollupKey != want {
				t.Errorf("key %+v, want %+v", got.RollupKey, want)
			}
			if got.RollupCounts != c.counts {
				t.Errorf("counts %+v, want %+v", got.RollupCounts, c.counts)
			}
			if c.duration < 0 {
				if got.Latency.GetCount() != 0 {
					t.Errorf("sketch has %v values, want none", got.Latency.GetCount())
				}
			} else if q := storage.SketchQuantile(got.Latency, 0.5); math.Abs(q-c.duration) > 0.01*c.duration {
				t.Errorf("median %v, want %v", q, c.duration)
			}
		})
	}
}

func span(kind storage.SpanKind, id, parent uint64, service string, tags ...string) storage.Span {
	s := storage.Span{TraceID: storage.TraceID{Low: 1}, SpanID: id, ParentID: parent, Service: service, Kind: kind,
		Start: t0, DurationMicros: 5000, HTTPMethod: "GET", HTTPStatus: 200}
	for i := 0; i+1 < len(tags); i += 2 {
		s.Attrs = append(s.Attrs, storage.KeyValue{Key: tags[i], Value: tags[i+1]})
	}
	return s
}

func TestSpans(t *testing.T) {
	client := span("client", 1, 0, "productpage.default", "istio.canonical_revision", "v1")
	client.UpstreamCluster = "outbound|9080|v2|reviews.default.svc.cluster.local"
	server := span("server", 2, 1, "reviews.default", "istio.canonical_revision", "v2", "istio.namespace", "default")
	shared := span("server", 1, 0, "reviews.default")
	shared.Shared = true
	orphan := span("server", 9, 7, "reviews.default")
	internal := span("", 3, 2, "reviews.default")
	grpcErr := span("client", 4, 0, "productpage", "rpc.system", "grpc")
	grpcErr.HTTPStatus, grpcErr.StatusCode, grpcErr.PeerService = 0, 2, "ratings"

	b := rollup.NewBuilder()
	b.AddSpans([]storage.Span{client, server, shared, orphan, internal, grpcErr})
	rows := b.Rows()
	type want struct {
		reporter, src, srcNS, srcVer, dst, dstNS, dstVer, proto string
		requests, errors                                        int64
	}
	var got []want
	for _, r := range rows {
		e := r.Edge
		got = append(got, want{r.Reporter, e.SourceService, e.SourceNamespace, e.SourceVersion, e.DestinationService,
			e.DestinationNamespace, e.DestinationVersion, e.Protocol, r.Requests, r.Errors})
	}
	exp := []want{
		// The server span with its parent in the batch, and the shared
		// one, know their caller; the orphan does not.
		{"destination", "productpage", "default", "v1", "reviews", "default", "", "http", 1, 0},
		{"destination", "productpage", "default", "v1", "reviews", "default", "v2", "http", 1, 0},
		{"destination", "unknown", "", "", "reviews", "default", "", "http", 1, 0},
		{"source", "productpage", "", "", "ratings", "", "", "grpc", 1, 1},
		{"source", "productpage", "default", "v1", "reviews", "default", "v2", "http", 1, 0},
	}
	if len(got) != len(exp) {
		t.Fatalf("got %d rows, want %d:\n%+v", len(got), len(exp), got)
	}
	for i := range exp {
		if got[i] != exp[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], exp[i])
		}
	}
}

func istio(name string, t int64, v float64, extra ...string) storage.Sample {
	kv := append([]string{"__name__", name, "reporter", "destination", "source_canonical_service", "a",
		"source_workload_namespace", "ns", "source_canonical_revision", "v1", "destination_service_name", "b",
		"destination_service_namespace", "ns", "destination_canonical_revision", "v2", "request_protocol", "http",
		"response_code", "200", "response_flags", "-", "connection_security_policy", "mutual_tls"}, extra...)
	return storage.Sample{Labels: labels.FromStrings(kv...), T: t, V: v}
}

// collect is a RollupWriter that keeps what it is given, or fails.
type collect struct {
	rows []storage.Rollup
	ids  []uint64
	fail bool
}

func (c *collect) write(_ context.Context, id uint64, rows []storage.Rollup) error {
	if c.fail {
		return errors.New("disk full")
	}
	c.ids = append(c.ids, id)
	c.rows = append(c.rows, rows...)
	return nil
}

func (c *collect) requests() int64 {
	var n int64
	for _, r := range c.rows {
		n += r.Requests
	}
	return n
}

func TestMetricsCounters(t *testing.T) {
	ms := t0.UnixMilli()
	m := rollup.NewMetrics()
	c := &collect{}
	apply := func(s ...storage.Sample) {
		t.Helper()
		if err := m.Apply(context.Background(), s, c.write); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name    string
		samples []storage.Sample
		want    int64 // total requests so far
	}{
		{"first sample is a baseline", []storage.Sample{istio("istio_requests_total", ms, 100)}, 0},
		{"increase", []storage.Sample{istio("istio_requests_total", ms+15_000, 130)}, 30},
		{"replay adds nothing", []storage.Sample{istio("istio_requests_total", ms+15_000, 130)}, 30},
		{"older sample adds nothing", []storage.Sample{istio("istio_requests_total", ms+5_000, 120)}, 30},
		{"reset: the new value is the increase", []storage.Sample{istio("istio_requests_total", ms+30_000, 7)}, 37},
		{"other series are ignored", []storage.Sample{{Labels: labels.FromStrings("__name__", "up"), T: ms + 45_000, V: 1}}, 37},
		{"staleness ends the series", []storage.Sample{istio("istio_requests_total", ms+45_000, math.Float64frombits(value.StaleNaN))}, 37},
		{"after staleness, a new baseline", []storage.Sample{istio("istio_requests_total", ms+60_000, 50)}, 37},
		{"and then increases", []storage.Sample{istio("istio_requests_total", ms+75_000, 55)}, 42},
	}
	for _, s := range steps {
		apply(s.samples...)
		if got := c.requests(); got != s.want {
			t.Fatalf("%s: %d requests, want %d", s.name, got, s.want)
		}
	}
	r := c.rows[0]
	want := storage.RollupKey{Minute: t0.Truncate(time.Minute), CodeClass: 2, Source: "metrics", Reporter: "destination",
		Edge: storage.Edge{SourceService: "a", SourceNamespace: "ns", SourceVersion: "v1", DestinationService: "b",
			DestinationNamespace: "ns", DestinationVersion: "v2", Protocol: "http"}}
	if r.RollupKey != want || r.MTLSKnown != 30 || r.MTLSRequests != 30 {
		t.Errorf("row %+v, want key %+v and 30 mTLS requests", r, want)
	}
	// A failed write does not advance: the retry counts the batch once.
	c.fail = true
	if err := m.Apply(context.Background(), []storage.Sample{istio("istio_requests_total", ms+90_000, 65)}, c.write); err == nil {
		t.Fatal("Apply hid the write error")
	}
	c.fail = false
	apply(istio("istio_requests_total", ms+90_000, 65))
	if got := c.requests(); got != 52 {
		t.Fatalf("after a failed write and its retry: %d requests, want 52", got)
	}
	if c.ids[len(c.ids)-1] == 0 {
		t.Error("batch id 0")
	}
}

func TestMetricsHistogram(t *testing.T) {
	ms := t0.UnixMilli()
	bucket := func(t int64, le string, v float64) storage.Sample {
		return istio("istio_request_duration_milliseconds_bucket", t, v, "le", le)
	}
	scrape := func(t int64, b1, b5, b10, inf float64) []storage.Sample {
		return []storage.Sample{bucket(t, "1", b1), bucket(t, "5", b5), bucket(t, "10", b10), bucket(t, "+Inf", inf),
			istio("istio_request_bytes_sum", t, 100*inf), istio("istio_response_bytes_sum", t, 1000*inf)}
	}
	m := rollup.NewMetrics()
	c := &collect{}
	for _, s := range [][]storage.Sample{scrape(ms, 0, 0, 0, 0), scrape(ms+10_000, 10, 90, 100, 100)} {
		if err := m.Apply(context.Background(), s, c.write); err != nil {
			t.Fatal(err)
		}
	}
	r := only(t, c.rows)
	// 10 in (0,1], 80 in (1,5], 10 in (5,10]: at the buckets' geometric
	// middles (0.5, √5, √50).
	if n := r.Latency.GetCount(); n != 100 {
		t.Fatalf("sketch has %v values, want 100", n)
	}
	for _, q := range []struct{ q, want float64 }{{0.05, 0.5}, {0.5, math.Sqrt(5)}, {0.99, math.Sqrt(50)}} {
		if got := storage.SketchQuantile(r.Latency, q.q); math.Abs(got-q.want) > 0.01*q.want {
			t.Errorf("q%v = %v, want %v", q.q, got, q.want)
		}
	}
	// The widest bucket used bounds the error: (1,5], √5−1, plus the
	// sketch's own 1%.
	if want := math.Sqrt(5) - 1 + 0.01; math.Abs(r.LatencyError-want) > 1e-12 {
		t.Errorf("LatencyError %v, want %v", r.LatencyError, want)
	}
	if r.BytesIn != 10_000 || r.BytesOut != 100_000 || r.Requests != 0 {
		t.Errorf("bytes %d/%d requests %d, want 10000/100000 and 0 (requests come from istio_requests_total)", r.BytesIn, r.BytesOut, r.Requests)
	}
}

func TestBatchIDs(t *testing.T) {
	a := []storage.AccessLog{{Start: t0, RequestID: "x"}}
	b := []storage.AccessLog{{Start: t0, RequestID: "y"}}
	again := []storage.AccessLog{{Start: t0, RequestID: "x"}}
	if rollup.BatchIDAccessLogs(a) == rollup.BatchIDAccessLogs(b) || rollup.BatchIDAccessLogs(a) != rollup.BatchIDAccessLogs(again) {
		t.Error("access-log batch ids do not tell batches apart")
	}
	s1 := []storage.Span{span("client", 1, 0, "a")}
	s2 := []storage.Span{span("client", 2, 0, "a")}
	if rollup.BatchIDSpans(s1) == rollup.BatchIDSpans(s2) {
		t.Error("span batch ids do not tell batches apart")
	}
}

func TestMetricsForgetIdleSeries(t *testing.T) {
	ms := t0.UnixMilli()
	m := rollup.NewMetrics()
	c := &collect{}
	other := func(t int64, v float64) storage.Sample {
		return istio("istio_requests_total", t, v, "destination_canonical_revision", "v9")
	}
	for _, s := range []storage.Sample{istio("istio_requests_total", ms, 1), other(ms, 1)} {
		if err := m.Apply(context.Background(), []storage.Sample{s}, c.write); err != nil {
			t.Fatal(err)
		}
	}
	if m.Series() != 2 {
		t.Fatalf("%d series, want 2", m.Series())
	}
	// Only the second series goes on, for more than ForgetAfter.
	for i := int64(1); i <= 6; i++ {
		at := ms + i*rollup.ForgetAfter.Milliseconds()/4
		if err := m.Apply(context.Background(), []storage.Sample{other(at, float64(1+i))}, c.write); err != nil {
			t.Fatal(err)
		}
	}
	if m.Series() != 1 {
		t.Fatalf("%d series after the first went idle, want 1", m.Series())
	}
}

// FuzzMetricsApply feeds Istio series with arbitrary label values and
// sample values: Apply must not panic, and never counts negative requests.
func FuzzMetricsApply(f *testing.F) {
	f.Add("200", "-", "mutual_tls", "5", 10.0, 20.0)
	f.Add("abc", "UF,URX", "", "+Inf", -1.0, 3.5)
	f.Add("", "", "none", "NaN", math.NaN(), math.Inf(1))
	f.Fuzz(func(t *testing.T, code, flags, security, le string, v1, v2 float64) {
		m := rollup.NewMetrics()
		c := &collect{}
		extra := []string{"response_code", code, "response_flags", flags, "connection_security_policy", security}
		ms := t0.UnixMilli()
		for i, v := range []float64{v1, v2, v1 + v2} {
			at := ms + int64(i)*15_000
			batch := []storage.Sample{
				istio("istio_requests_total", at, v, extra...),
				istio("istio_request_duration_milliseconds_bucket", at, v, append(extra, "le", le)...),
				istio("istio_request_bytes_sum", at, v, extra...),
			}
			if err := m.Apply(context.Background(), batch, c.write); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range c.rows {
			if r.Requests < 0 || r.Errors < 0 || r.Latency.GetCount() < 0 {
				t.Fatalf("negative counts: %+v", r)
			}
		}
	})
}
