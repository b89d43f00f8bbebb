package jaegerapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/meshlens/meshlens/query/internal/tracetest"
	"github.com/meshlens/meshlens/query/zipkinapi"
)

// TestEscapedServiceName: a service name with a slash (Yelp's
// "yelp_main/api_proxy") reaches storage whole when the client escapes it.
func TestEscapedServiceName(t *testing.T) {
	_, spans := tracetest.ZipkinSample("yelp.json")
	code, body := serve(t, &tracetest.Backend{Spans: spans}, "/api/services/yelp_main%2Fapi_proxy/operations")
	if want := `{"data":["post api proxy proxy"],"total":1,"limit":0,"offset":0,"errors":null}` + "\n"; code != 200 || body != want {
		t.Errorf("= %d %s, want %s", code, body, want)
	}
}

// TestSharedMux: the Jaeger and Zipkin APIs mount on one mux without
// conflicting patterns (ServeMux panics on a conflict).
func TestSharedMux(t *testing.T) {
	mux := http.NewServeMux()
	b := tracetest.NewBackend()
	New(b, nil).Register(mux)
	zipkinapi.New(b, nil).Register(mux)
	for _, url := range []string{"/api/traces/" + mesh, "/api/v2/trace/" + mesh, "/api/v3/traces/" + mesh} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if rec.Code != 200 {
			t.Errorf("%s = %d", url, rec.Code)
		}
	}
}
