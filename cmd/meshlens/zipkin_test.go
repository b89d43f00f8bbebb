package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go"
	zipkinhttp "github.com/openzipkin/zipkin-go/middleware/http"
	reporterhttp "github.com/openzipkin/zipkin-go/reporter/http"

	"github.com/meshlens/meshlens/internal/testutil"
)

// TestZipkinGoClientServer instruments an HTTP client and server with
// zipkin-go (B3 propagation, HTTP reporter to meshlens' Zipkin intake) and
// reads the trace back whole through the Jaeger and Zipkin APIs.
func TestZipkinGoClientServer(t *testing.T) {
	dir := t.TempDir()
	queryAddr, zipkinAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	startMeshlens(t, testConfig(dir, queryAddr,
		fmt.Sprintf("  zipkin: {endpoint: %q}", zipkinAddr),
		"    traces: {receivers: [zipkin], exporters: [meshlens]}"), queryAddr)

	rep := reporterhttp.NewReporter("http://"+zipkinAddr+"/api/v2/spans", reporterhttp.BatchInterval(50*time.Millisecond))
	newTracer := func(service string) *zipkin.Tracer {
		ep, err := zipkin.NewEndpoint(service, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := zipkin.NewTracer(rep, zipkin.WithLocalEndpoint(ep))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	srv := httptest.NewServer(zipkinhttp.NewServerMiddleware(newTracer("reviews"))(
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })))
	defer srv.Close()
	client, err := zipkinhttp.NewClient(newTracer("productpage"), zipkinhttp.ClientTrace(false))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/reviews/1", nil)
	resp, err := client.DoWithAppSpan(req, "get-reviews")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	traceID := resp.Request.Header.Get("X-B3-TraceId")
	if err := rep.Close(); err != nil { // flushes
		t.Fatal(err)
	}
	if traceID == "" {
		t.Fatal("the client sent no X-B3-TraceId")
	}

	var zipkinSpans []struct {
		ID, ParentID, Kind string
		LocalEndpoint      struct{ ServiceName string }
	}
	testutil.WaitFor(t, "zipkin-go trace stored", 20*time.Second, func() error {
		if err := getInto("http://"+queryAddr+"/api/v2/trace/"+traceID, &zipkinSpans); err != nil {
			return err
		}
		if len(zipkinSpans) < 3 {
			return fmt.Errorf("%d spans so far", len(zipkinSpans))
		}
		return nil
	})
	services := map[string]bool{}
	for _, s := range zipkinSpans {
		services[s.LocalEndpoint.ServiceName] = true
	}
	if !services["productpage"] || !services["reviews"] {
		t.Errorf("services %v, want productpage and reviews", services)
	}
	var jaeger struct {
		Data []struct {
			Spans []struct{ SpanID string } `json:"spans"`
		} `json:"data"`
	}
	if err := getInto("http://"+queryAddr+"/api/traces/"+traceID, &jaeger); err != nil ||
		len(jaeger.Data) != 1 || len(jaeger.Data[0].Spans) != len(zipkinSpans) {
		t.Errorf("Jaeger trace = %+v, %v; want the %d spans", jaeger, err, len(zipkinSpans))
	}
}
