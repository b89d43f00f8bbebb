package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/meshlens/meshlens/proxy/telemetry/istiometrics"
)

func scrape(t *testing.T, tel *Telemetry, accept string) (string, string) {
	t.Helper()
	srv := httptest.NewServer(tel.Handler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+StatsPath, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %s", StatsPath, resp.Status, body)
	}
	return string(body), resp.Header.Get("Content-Type")
}

func labelsOf(m *dto.Metric) (names []string, values map[string]string) {
	values = map[string]string{}
	for _, l := range m.GetLabel() {
		names = append(names, l.GetName())
		values[l.GetName()] = l.GetValue()
	}
	return names, values
}

// find returns the family's metric whose labels include all of want.
func find(t *testing.T, mf *dto.MetricFamily, want map[string]string) *dto.Metric {
	t.Helper()
	if mf == nil {
		t.Fatal("missing family")
	}
next:
	for _, m := range mf.GetMetric() {
		_, got := labelsOf(m)
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	t.Fatalf("%s has no series with %v", mf.GetName(), want)
	return nil
}

// TestMetricsAfterKnownTraffic drives a known sequence through both
// reporters and checks the exposition: it parses with expfmt, every
// series carries Istio's labels in Istio's order, and the values add up.
func TestMetricsAfterKnownTraffic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AccessLog.Output = OutputOff
	cfg.Identity = Identity{Workload: "productpage-v1", Namespace: "default", App: "productpage", Version: "v1",
		Service: "productpage.default.svc.cluster.local", Cluster: "Kubernetes"}
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())

	out := func(code int, flags string, d time.Duration, sent int64) {
		tel.Begin(Outbound, http.Header{}).Finish(&Record{
			Start: time.Now(), Duration: d, Method: "GET", Path: "/reviews/0", Protocol: "HTTP/1.1",
			ResponseCode: code, ResponseFlags: flags, BytesReceived: 10, BytesSent: sent, Authority: "reviews:9080",
			UpstreamCluster: "outbound|9080|v2|reviews.default.svc.cluster.local", Destination: reviewsV2,
		})
	}
	out(200, "", 3*time.Millisecond, 100)
	out(200, "", 12*time.Millisecond+900*time.Microsecond, 2000)
	out(200, "", 700*time.Millisecond, 0)
	out(503, "UF,URX", 0, 91)
	// Two inbound requests from reviews over mTLS, one of them gRPC.
	tel.Begin(Inbound, http.Header{}).Finish(&Record{Start: time.Now(), Duration: time.Millisecond, Protocol: "HTTP/1.1",
		ResponseCode: 200, Source: reviewsV2, UpstreamCluster: "inbound|9080||"})
	tel.Begin(Inbound, http.Header{}).Finish(&Record{Start: time.Now(), Duration: time.Millisecond, Protocol: "HTTP/2",
		ResponseCode: 200, Source: reviewsV2, GRPC: true, GRPCStatus: "14", UpstreamCluster: "inbound|9080||"})
	// One TCP connection: bytes reported as they flow, totals at the end.
	c := tel.OpenTCP(Outbound, Peer{}, Peer{Workload: "mongodb-v1", Namespace: "db", App: "mongodb", Version: "v1",
		Service: "mongodb.db.svc.cluster.local"})
	c.Add(10, 20)
	c.Close(&Record{BytesSent: 15, BytesReceived: 25, Duration: time.Second})
	c.Close(&Record{BytesSent: 99}) // a second Close counts nothing

	body, ctype := scrape(t, tel, "")
	if !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("Content-Type %q", ctype)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "istio_") {
			continue
		}
		want := istiometrics.HTTPLabelNames
		if strings.HasPrefix(name, "istio_tcp_") {
			want = istiometrics.TCPLabelNames
		}
		for _, m := range mf.GetMetric() {
			names, _ := labelsOf(m)
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Fatalf("%s labels\n %v\nwant Istio's order\n %v", name, names, want)
			}
		}
	}

	src200 := find(t, mfs["istio_requests_total"], map[string]string{"reporter": "source", "response_code": "200"})
	if v := src200.GetCounter().GetValue(); v != 3 {
		t.Fatalf("source 200s = %v, want 3", v)
	}
	_, l := labelsOf(src200)
	wantLabels := map[string]string{
		"reporter": "source", "source_workload": "productpage-v1", "source_canonical_service": "productpage",
		"source_canonical_revision": "v1", "source_workload_namespace": "default", "source_principal": "unknown",
		"source_app": "productpage", "source_version": "v1", "source_cluster": "Kubernetes",
		"destination_workload": "reviews-v2", "destination_workload_namespace": "default",
		"destination_principal": "spiffe://cluster.local/ns/default/sa/bookinfo-reviews", "destination_app": "reviews",
		"destination_version": "v2", "destination_service": "reviews.default.svc.cluster.local",
		"destination_canonical_service": "reviews", "destination_canonical_revision": "v2",
		"destination_service_name": "reviews", "destination_service_namespace": "default",
		"destination_cluster": "Kubernetes", "request_protocol": "http", "response_code": "200",
		"grpc_response_status": "", "response_flags": "-", "connection_security_policy": "unknown",
	}
	for k, v := range wantLabels {
		if l[k] != v {
			t.Errorf("label %s = %q, want %q", k, l[k], v)
		}
	}
	if v := find(t, mfs["istio_requests_total"], map[string]string{"response_code": "503", "response_flags": "UF,URX"}).GetCounter().GetValue(); v != 1 {
		t.Errorf("503 UF,URX = %v, want 1", v)
	}
	grpc := find(t, mfs["istio_requests_total"], map[string]string{"reporter": "destination", "request_protocol": "grpc"})
	if _, gl := labelsOf(grpc); gl["grpc_response_status"] != "14" || gl["connection_security_policy"] != "mutual_tls" ||
		gl["destination_workload"] != "productpage-v1" || gl["source_workload"] != "reviews-v2" {
		t.Errorf("inbound gRPC labels %v", gl)
	}

	// Durations are Envoy's whole milliseconds: 3, 12, 700.
	h := find(t, mfs["istio_request_duration_milliseconds"], map[string]string{"reporter": "source", "response_code": "200"}).GetHistogram()
	if h.GetSampleCount() != 3 || h.GetSampleSum() != 715 {
		t.Errorf("duration count %d sum %v, want 3 and 715", h.GetSampleCount(), h.GetSampleSum())
	}
	wantCum := map[float64]uint64{0.5: 0, 1: 0, 5: 1, 10: 1, 25: 2, 500: 2, 1000: 3, 3600000: 3}
	if len(h.GetBucket()) != len(istiometrics.DefaultBuckets)+1 { // the text parser keeps +Inf
		t.Errorf("%d buckets, want Envoy's %d and +Inf", len(h.GetBucket()), len(istiometrics.DefaultBuckets))
	}
	for _, b := range h.GetBucket() {
		if want, ok := wantCum[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	rb := find(t, mfs["istio_response_bytes"], map[string]string{"reporter": "source", "response_code": "200"}).GetHistogram()
	if rb.GetSampleSum() != 2100 || rb.GetSampleCount() != 3 {
		t.Errorf("response bytes sum %v count %d", rb.GetSampleSum(), rb.GetSampleCount())
	}
	qb := find(t, mfs["istio_request_bytes"], map[string]string{"reporter": "source", "response_code": "200"}).GetHistogram()
	if qb.GetSampleSum() != 30 {
		t.Errorf("request bytes sum %v, want 30", qb.GetSampleSum())
	}

	tcpWant := map[string]float64{
		"istio_tcp_sent_bytes_total": 15, "istio_tcp_received_bytes_total": 25,
		"istio_tcp_connections_opened_total": 1, "istio_tcp_connections_closed_total": 1,
	}
	for name, want := range tcpWant {
		m := find(t, mfs[name], map[string]string{"destination_workload": "mongodb-v1", "request_protocol": "tcp",
			"destination_service_namespace": "db", "reporter": "source", "source_workload": "productpage-v1"})
		if v := m.GetCounter().GetValue(); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	if mfs["meshlens_proxy_telemetry_dropped_total"] == nil {
		t.Error("the telemetry's own drop counter is not exposed")
	}
}

// TestOpenMetricsNegotiation: a scraper that asks for OpenMetrics gets it.
func TestOpenMetricsNegotiation(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AccessLog.Output = OutputOff
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())
	tel.Begin(Inbound, http.Header{}).Finish(&Record{ResponseCode: 200, Protocol: "HTTP/1.1"})
	body, ctype := scrape(t, tel, "application/openmetrics-text;version=1.0.0")
	if !strings.HasPrefix(ctype, "application/openmetrics-text") || !strings.HasSuffix(strings.TrimSpace(body), "# EOF") {
		t.Fatalf("Content-Type %q, body ends %q", ctype, body[max(0, len(body)-40):])
	}
	if !strings.Contains(body, `istio_requests_total{reporter="destination",source_workload="unknown"`) {
		t.Fatalf("OpenMetrics body lacks Istio-ordered labels:\n%s", body)
	}

	pb, ctype := scrape(t, tel, string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	if !strings.HasPrefix(ctype, "application/vnd.google.protobuf") {
		t.Fatalf("protobuf Content-Type %q", ctype)
	}
	dec := expfmt.NewDecoder(strings.NewReader(pb), expfmt.Format(ctype))
	found := false
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		if mf.GetName() == "istio_requests_total" && len(mf.GetMetric()) == 1 && mf.GetMetric()[0].GetCounter().GetValue() == 1 {
			found = true
		}
	}
	if !found {
		t.Fatal("protobuf exposition lacks istio_requests_total = 1")
	}
}

func TestUnknownPeersAndAuthorityFallback(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AccessLog.Output = OutputOff
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())
	var l istiometrics.HTTPLabels
	r := Record{Direction: Outbound, Protocol: "HTTP/1.1", Authority: "10.0.0.7:8080", ResponseCode: 404}
	tel.complete(&r)
	tel.httpLabels(&r, &l)
	if l.DestinationService != "10.0.0.7" || l.DestinationServiceName != "10.0.0.7" ||
		l.DestinationServiceNamespace != "unknown" || l.Destination.Workload != "unknown" ||
		l.Destination.CanonicalRevision != "unknown" || l.Destination.Cluster != "unknown" {
		t.Fatalf("labels %+v", l)
	}
	r = Record{Direction: Outbound, Protocol: "HTTP/1.1", Destination: Peer{Workload: "legacy", Namespace: "ns"}}
	tel.httpLabels(&r, &l)
	if l.Destination.CanonicalService != "legacy" || l.Destination.CanonicalRevision != "latest" ||
		l.Destination.Cluster != "Kubernetes" || l.DestinationServiceNamespace != "ns" {
		t.Fatalf("labels of a workload without app/version labels: %+v", l.Destination)
	}
}
