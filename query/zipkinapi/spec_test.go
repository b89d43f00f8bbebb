package zipkinapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/meshlens/meshlens/query/internal/tracetest"
)

// apiSpec is the part of zipkin2-api.yaml these tests check against.
type apiSpec struct {
	BasePath    string                                         `yaml:"basePath"`
	Paths       map[string]map[string]any                      `yaml:"paths"`
	Definitions map[string]struct{ Properties map[string]any } `yaml:"definitions"`
}

func loadSpec(t *testing.T) apiSpec {
	data, err := os.ReadFile("testdata/zipkin2-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var s apiSpec
	if err := yaml.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSpecRoutes checks that every GET path of the spec is served.
func TestSpecRoutes(t *testing.T) {
	spec := loadSpec(t)
	mux := http.NewServeMux()
	New(tracetest.NewBackend(), nil).Register(mux)
	n := 0
	for path, methods := range spec.Paths {
		if _, ok := methods["get"]; !ok {
			continue
		}
		n++
		url := spec.BasePath + strings.ReplaceAll(path, "{traceId}", "5af7183fb1d4cf5f")
		if _, pattern := mux.Handler(httptest.NewRequest(http.MethodGet, url, nil)); pattern == "" {
			t.Errorf("GET %s is not served", url)
		}
	}
	// This copy of the spec predates /remoteServices, which Zipkin 2.16
	// added; it is served too (TestEndpointsGolden).
	if n != 8 {
		t.Errorf("spec has %d GET paths, want 8", n)
	}
}

// TestSpecSpanFields checks that every field the API writes is one the spec
// defines, for spans, endpoints, annotations and dependency links.
func TestSpecSpanFields(t *testing.T) {
	spec := loadSpec(t)
	check := func(def string, v any) {
		data, _ := json.Marshal(v)
		var fields map[string]any
		if err := json.Unmarshal(data, &fields); err != nil {
			t.Fatal(err)
		}
		for f := range fields {
			if _, ok := spec.Definitions[def].Properties[f]; !ok {
				t.Errorf("%s field %q is not in the spec", def, f)
			}
		}
	}
	full := Span{TraceID: "a", ParentID: "b", ID: "c", Kind: "SERVER", Name: "n", Timestamp: 1, Duration: 1,
		LocalEndpoint: &Endpoint{}, RemoteEndpoint: &Endpoint{}, Annotations: []Annotation{{}},
		Tags: Tags{{Key: "k", Value: "v"}}, Debug: true, Shared: true}
	check("Span", full)
	check("Endpoint", Endpoint{ServiceName: "s", IPv4: "1.2.3.4", IPv6: "::1", Port: 1})
	check("Annotation", Annotation{Timestamp: 1, Value: "v"})
	check("DependencyLink", DependencyLink{Parent: "a", Child: "b", CallCount: 1, ErrorCount: 1})
}
