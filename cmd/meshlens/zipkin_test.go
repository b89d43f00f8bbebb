package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go"
	zipkinhttp "github.com/openzipkin/zipkin-go/middleware/http"
	reporterhttp "github.com/openzipkin/zipkin-go/reporter/http"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/contrib/propagators/b3"
	"go.opentelemetry.io/otel/attribute"
	otelzipkin "go.opentelemetry.io/otel/exporters/zipkin"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/meshlens/meshlens/internal/testutil"
)

// TestZipkinGoClientServer instruments an HTTP client and server with
// zipkin-go (B3 propagation, HTTP reporter to meshlens' Zipkin intake) and
// reads the trace back whole through the Zipkin and both Jaeger APIs.
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

	checkTraceWhole(t, queryAddr, traceID, []call{
		{"productpage", "", "", ""},
		{"productpage", "client", "productpage", ""},
		{"reviews", "server", "productpage", "client"}, // zipkin-go shares the client's span id
	})
}

// TestOTelZipkinExporterB3 instruments an HTTP client and server with
// OpenTelemetry (otelhttp, the B3 propagator, the Zipkin exporter to
// meshlens' Zipkin intake) and reads the trace back whole.
func TestOTelZipkinExporterB3(t *testing.T) {
	dir := t.TempDir()
	queryAddr, zipkinAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	startMeshlens(t, testConfig(dir, queryAddr,
		fmt.Sprintf("  zipkin: {endpoint: %q}", zipkinAddr),
		"    traces: {receivers: [zipkin], exporters: [meshlens]}"), queryAddr)

	prop := b3.New(b3.WithInjectEncoding(b3.B3MultipleHeader))
	provider := func(service string) *sdktrace.TracerProvider {
		exp, err := otelzipkin.New("http://" + zipkinAddr + "/api/v2/spans")
		if err != nil {
			t.Fatal(err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
			sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		return tp
	}
	serverTP, clientTP := provider("reviews"), provider("productpage")
	var gotB3 string
	srv := httptest.NewServer(otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotB3 = r.Header.Get("X-B3-TraceId")
		w.WriteHeader(http.StatusOK)
	}), "reviews", otelhttp.WithTracerProvider(serverTP), otelhttp.WithPropagators(prop)))
	defer srv.Close()
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(clientTP), otelhttp.WithPropagators(prop))}

	ctx, root := clientTP.Tracer("test").Start(context.Background(), "get-reviews")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/reviews/1", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	root.End()
	traceID := root.SpanContext().TraceID().String()
	if gotB3 != traceID {
		t.Fatalf("server saw X-B3-TraceId %q, want %s", gotB3, traceID)
	}
	checkTraceWhole(t, queryAddr, traceID, []call{
		{"productpage", "", "", ""},
		{"productpage", "client", "productpage", ""},
		{"reviews", "server", "productpage", "client"},
	})
}
