package istiometrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestValuesFollowNames: each label value lands under its own name.
func TestValuesFollowNames(t *testing.T) {
	l := HTTPLabels{
		TCPLabels: TCPLabels{
			Reporter: "reporter",
			Source: Workload{Workload: "source_workload", CanonicalService: "source_canonical_service",
				CanonicalRevision: "source_canonical_revision", Namespace: "source_workload_namespace",
				Principal: "source_principal", App: "source_app", Version: "source_version", Cluster: "source_cluster"},
			Destination: Workload{Workload: "destination_workload", Namespace: "destination_workload_namespace",
				Principal: "destination_principal", App: "destination_app", Version: "destination_version",
				CanonicalService: "destination_canonical_service", CanonicalRevision: "destination_canonical_revision",
				Cluster: "destination_cluster"},
			DestinationService: "destination_service", DestinationServiceName: "destination_service_name",
			DestinationServiceNamespace: "destination_service_namespace", RequestProtocol: "request_protocol",
			ResponseFlags: "response_flags", ConnectionSecurityPolicy: "connection_security_policy",
		},
		ResponseCode: "response_code", GRPCResponseStatus: "grpc_response_status",
	}
	if got := strings.Join(l.values(), ","); got != strings.Join(HTTPLabelNames, ",") {
		t.Fatalf("HTTP values\n %s\nwant\n %s", got, strings.Join(HTTPLabelNames, ","))
	}
	if got := strings.Join(l.TCPLabels.values(), ","); got != strings.Join(TCPLabelNames, ",") {
		t.Fatalf("TCP values\n %s\nwant\n %s", got, strings.Join(TCPLabelNames, ","))
	}
}

func TestSeriesAndOrder(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	a, b := benchLabels(200), benchLabels(503)
	m.ObserveHTTP(&a, 3, 10, 100)
	m.ObserveHTTP(&a, 7, 10, 100)
	m.ObserveHTTP(&b, 1, 0, 0)
	if n := testutil.CollectAndCount(reg, "istio_requests_total"); n != 2 {
		t.Fatalf("%d istio_requests_total series, want 2", n)
	}
	s := m.TCP(&a.TCPLabels)
	if m.TCP(&a.TCPLabels) != s {
		t.Fatal("the same label set gave two TCP series")
	}
	s.Opened()
	s.Sent(5)
	s.Received(-1) // ignored
	mfs, err := IstioOrder(reg).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		want := HTTPLabelNames
		if strings.HasPrefix(mf.GetName(), "istio_tcp_") {
			want = TCPLabelNames
		}
		for _, met := range mf.GetMetric() {
			var names []string
			for _, lp := range met.GetLabel() {
				names = append(names, lp.GetName())
			}
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Fatalf("%s labels %v, want Istio's order", mf.GetName(), names)
			}
			if mf.GetName() == "istio_requests_total" {
				var code string
				for _, lp := range met.GetLabel() {
					if lp.GetName() == "response_code" {
						code = lp.GetValue()
					}
				}
				if want := map[string]float64{"200": 2, "503": 1}[code]; met.GetCounter().GetValue() != want {
					t.Fatalf("code %s: %v requests, want %v", code, met.GetCounter().GetValue(), want)
				}
			}
		}
	}
}
