package meshapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// stubReaders satisfies the readers with empty answers, so that only
// parameter handling is under test.
type stubReaders struct{ storageStubs }

func TestBadParams(t *testing.T) {
	mux := http.NewServeMux()
	New(stubReaders{}, nil).Register(mux)
	none := http.NewServeMux()
	New(struct{}{}, nil).Register(none)
	cases := []struct {
		mux    *http.ServeMux
		url    string
		status int
		msg    string
	}{
		{mux, "/api/meshlens/v1/red?by=pod", 400, `by: "pod" is not one of service, edge`},
		{mux, "/api/meshlens/v1/red?start=10&end=5", 400, "is before start"},
		{mux, "/api/meshlens/v1/red?start=5&end=5", 400, "window from start to end is empty"},
		{mux, "/api/meshlens/v1/red?start=yesterday", 400, `start: cannot parse "yesterday"`},
		{mux, "/api/meshlens/v1/red?source=guess", 400, `source: "guess" is not one of`},
		{mux, "/api/meshlens/v1/logs?class=7xx", 400, `class: "7xx" is not one of 1xx..5xx`},
		{mux, "/api/meshlens/v1/logs?limit=0", 400, "limit: \"0\" is not an integer in [1, 10000]"},
		{mux, "/api/meshlens/v1/logs?limit=abc", 400, "limit"},
		{mux, "/api/meshlens/v1/logs?code=-1", 400, "code"},
		{mux, "/api/meshlens/v1/logs?direction=sideways", 400, "direction"},
		{mux, "/api/meshlens/v1/requests/nope", 404, `request "nope": not found`},
		{mux, "/api/meshlens/v1/logs?class=5xx&flag=UH", 200, ""},
		{none, "/api/meshlens/v1/red", 501, "not supported"},
		{none, "/api/meshlens/v1/logs", 501, "not supported"},
		{none, "/api/meshlens/v1/deadletters", 501, "not supported"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		c.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.url, nil))
		var env envelope
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Errorf("%s: body %q: %v", c.url, rec.Body, err)
			continue
		}
		if rec.Code != c.status || !strings.Contains(env.Error, c.msg) {
			t.Errorf("%s = %d %q, want %d containing %q", c.url, rec.Code, env.Error, c.status, c.msg)
		}
	}
}
