package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	networking "istio.io/api/networking/v1alpha3"
)

func TestParseIstioBookinfo(t *testing.T) {
	b, err := os.ReadFile("testdata/bookinfo-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c IstioConfig
	if err := c.Parse("bookinfo-rules.yaml", b); err != nil {
		t.Fatal(err)
	}
	if len(c.VirtualServices) != 1 || len(c.DestinationRules) != 1 || len(c.Ignored) != 1 {
		t.Fatalf("got %d VS, %d DR, %d ignored", len(c.VirtualServices), len(c.DestinationRules), len(c.Ignored))
	}
	vs := c.VirtualServices[0]
	if vs.Namespace != "default" || vs.Name != "reviews" {
		t.Errorf("resource = %+v", vs.Resource)
	}
	if got := vs.Spec.Http[0].Match[0].Headers["end-user"].GetExact(); got != "jason" {
		t.Errorf("header match = %q", got)
	}
	dr := c.DestinationRules[0].Spec
	if dr.TrafficPolicy.LoadBalancer.GetSimple() != networking.LoadBalancerSettings_RANDOM {
		t.Errorf("lb = %v", dr.TrafficPolicy.LoadBalancer)
	}
	if got := dr.TrafficPolicy.OutlierDetection.BaseEjectionTime.AsDuration().Minutes(); got != 15 {
		t.Errorf("baseEjectionTime = %vm", got)
	}
	if got := dr.TrafficPolicy.OutlierDetection.Consecutive_5XxErrors.GetValue(); got != 7 {
		t.Errorf("consecutive5xxErrors = %d", got)
	}
	if len(dr.Subsets) != 3 || dr.Subsets[2].Labels["version"] != "v3" {
		t.Errorf("subsets = %v", dr.Subsets)
	}
}

const vsHead = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\n  namespace: ns1\nspec:\n"
const drHead = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: d\nspec:\n  host: reviews\n"

func TestParseIstioErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"unknown field", vsHead + "  hosts: [reviews]\n  http:\n  - rout: []\n", []string{"f.yaml", "VirtualService ns1/r", "spec.http[0].rout", `unknown field "rout"`}},
		{"bad duration", vsHead + "  hosts: [reviews]\n  http:\n  - timeout: 3 seconds\n    route:\n    - destination: {host: reviews}\n", []string{"VirtualService ns1/r", "spec.http[0].timeout"}},
		{"bad enum", drHead + "  trafficPolicy:\n    loadBalancer:\n      simple: FASTEST\n", []string{"DestinationRule default/d", "spec.trafficPolicy.loadBalancer.simple", "FASTEST"}},
		{"no hosts", vsHead + "  http: []\n", []string{"spec.hosts"}},
		{"bad regex", vsHead + "  hosts: [reviews]\n  http:\n  - match:\n    - uri:\n        regex: '(('\n    route:\n    - destination: {host: reviews}\n", []string{"spec.http[0].match[0].uri.regex"}},
		{"bad retryOn", vsHead + "  hosts: [reviews]\n  http:\n  - retries:\n      attempts: 3\n      retryOn: 5xx,sometimes\n    route:\n    - destination: {host: reviews}\n", []string{"spec.http[0].retries.retryOn", "sometimes"}},
		{"no destination", vsHead + "  hosts: [reviews]\n  http:\n  - route: []\n", []string{"spec.http[0].route"}},
		{"bad percentage", vsHead + "  hosts: [reviews]\n  http:\n  - fault:\n      abort:\n        httpStatus: 503\n        percentage: {value: 150}\n    route:\n    - destination: {host: reviews}\n", []string{"spec.http[0].fault.abort.percentage.value"}},
		{"unsupported redirect", vsHead + "  hosts: [reviews]\n  http:\n  - redirect: {uri: /x}\n    route:\n    - destination: {host: reviews}\n", []string{"spec.http[0].redirect", "not supported"}},
		{"bad rewrite regex", vsHead + "  hosts: [reviews]\n  http:\n  - rewrite: {uriRegexRewrite: {match: '((', rewrite: x}}\n    route:\n    - destination: {host: reviews}\n", []string{"spec.http[0].rewrite.uriRegexRewrite.match"}},
		{"max ejection", drHead + "  trafficPolicy:\n    outlierDetection:\n      maxEjectionPercent: 101\n", []string{"spec.trafficPolicy.outlierDetection.maxEjectionPercent"}},
		{"mtls", drHead + "  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n", []string{"spec.trafficPolicy.tls", "not supported"}},
		{"dup subset", drHead + "  subsets:\n  - name: v1\n  - name: v1\n", []string{"spec.subsets[1].name"}},
		{"unknown kind", "apiVersion: networking.istio.io/v1\nkind: Frobnicator\nmetadata: {name: x}\nspec: {}\n", []string{`kind: "Frobnicator"`}},
		{"not istio", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", []string{"apiVersion"}},
		{"no name", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: {hosts: [a]}\n", []string{"metadata.name"}},
		{"envelope typo", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetdata: {name: x}\nspec: {hosts: [a]}\n", []string{"metdata"}},
		{"yaml syntax", "apiVersion: [\n", []string{"f.yaml", "document 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c IstioConfig
			err := c.Parse("f.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSplitYAML(t *testing.T) {
	docs := splitYAML([]byte("a: 1\n---\nb: 2\n--- # c\nc: 3\n---\n"))
	if len(docs) != 4 || string(docs[0]) != "a: 1\n" || string(docs[1]) != "b: 2\n" || string(docs[2]) != "c: 3\n" || len(docs[3]) != 0 {
		t.Fatalf("docs = %q", docs)
	}
}

func TestParseRegistry(t *testing.T) {
	r, err := ParseRegistry([]byte(`
services:
- name: reviews
  ports: [{name: http, port: 9080}]
  endpoints:
  - address: 127.0.0.1
    ports: {http: 25001}
    labels: {version: v1}
  - address: 10.0.0.2
    labels: {app: reviews, version: v2}
    workload: reviews-v2-abc
- name: ratings
  namespace: prod
  ports: [{port: 9080, protocol: grpc}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Services) != 2 || r.Services[0].FQDN() != "ratings.prod.svc.cluster.local" {
		t.Fatalf("services = %+v", r.Services)
	}
	rev := r.Services[1]
	if got := rev.Endpoints[0].HostPort(rev.Ports[0]); got != "127.0.0.1:25001" {
		t.Errorf("endpoint 0 = %s", got)
	}
	if got := rev.Endpoints[1].HostPort(rev.Ports[0]); got != "10.0.0.2:9080" {
		t.Errorf("endpoint 1 = %s", got)
	}
	if rev.Endpoints[0].Workload != "reviews-v1" || rev.Endpoints[0].Labels["app"] != "reviews" || rev.Endpoints[1].Workload != "reviews-v2-abc" {
		t.Errorf("defaults = %+v", rev.Endpoints)
	}
	if !r.Services[0].Ports[0].PortProtocolHTTP2() || r.Services[0].Ports[0].Name != "http-9080" {
		t.Errorf("ratings port = %+v", r.Services[0].Ports[0])
	}
}

func TestParseRegistryErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"services:\n- name: a\n  portz: []\n", `unknown field "portz"`},
		{"services:\n- ports: [{port: 1}]\n", "services[0].name: required"},
		{"services:\n- name: A_b\n  ports: [{port: 1}]\n", "services[0].name"},
		{"services:\n- name: a\n", "services[0].ports"},
		{"services:\n- name: a\n  ports: [{port: 70000}]\n", "services[0].ports[0].port"},
		{"services:\n- name: a\n  ports: [{port: 80, protocol: tcp}]\n", "services[0].ports[0].protocol"},
		{"services:\n- name: a\n  ports: [{port: 80}]\n  endpoints: [{address: '1.2.3.4:80'}]\n", "services[0].endpoints[0].address"},
		{"services:\n- name: a\n  ports: [{port: 80}]\n  endpoints: [{address: 1.2.3.4, ports: {grpc: 81}}]\n", "services[0].endpoints[0].ports.grpc"},
		{"services:\n- name: a\n  ports: [{port: 80}]\n- name: a\n  ports: [{port: 80}]\n", "duplicate service"},
	}
	for _, tc := range cases {
		_, err := ParseRegistry([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRegistry(%q) = %v, want error containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestLoadIstioDirDuplicates(t *testing.T) {
	dir := t.TempDir()
	doc := vsHead + "  hosts: [reviews]\n"
	for _, n := range []string{"a.yaml", "b.yml"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not yaml: ["), 0o644)
	_, err := LoadIstioDir(dir)
	if err == nil || !strings.Contains(err.Error(), "duplicate") || !strings.Contains(err.Error(), "a.yaml") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRetryOn(t *testing.T) {
	r, err := ParseRetryOn("connect-failure, refused-stream,503,gateway-error,reset,5xx,retriable-4xx")
	if err != nil {
		t.Fatal(err)
	}
	if !r.ConnectFailure || !r.RefusedStream || !r.GatewayError || !r.Reset || !r.FiveXX || !r.Retriable4xx || len(r.Codes) != 1 || r.Codes[0] != 503 {
		t.Errorf("%+v", r)
	}
	for _, bad := range []string{"5xxx", "42", "700"} {
		if _, err := ParseRetryOn(bad); err == nil {
			t.Errorf("ParseRetryOn(%q) accepted", bad)
		}
	}
}

func FuzzParseIstio(f *testing.F) {
	b, _ := os.ReadFile("testdata/bookinfo-rules.yaml")
	f.Add(b)
	f.Add([]byte(vsHead + "  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var c IstioConfig
		_ = c.Parse("fuzz.yaml", in) // must not panic
	})
}

func FuzzParseRegistry(f *testing.F) {
	f.Add([]byte("services:\n- name: a\n  ports: [{port: 80}]\n  endpoints: [{address: 1.2.3.4}]\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ParseRegistry(in)
		if err == nil {
			for _, s := range r.Services {
				if len(s.Ports) == 0 || s.Namespace == "" {
					t.Fatalf("accepted invalid service %+v", s)
				}
			}
		}
	})
}
