package zipkinapi

import (
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/query/internal/tracetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// serve answers one GET against an API over backend, with now fixed just
// after the fixture.
func serve(t testing.TB, backend any, url string) (int, string, string) {
	t.Helper()
	a := New(backend, nil)
	a.now = func() time.Time { return tracetest.Base.Add(time.Hour) }
	mux := http.NewServeMux()
	a.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header().Get("Content-Type"), string(body)
}

func TestEndpointsGolden(t *testing.T) {
	cases := []struct{ name, url string }{
		{"services", "/api/v2/services"},
		{"spans", "/api/v2/spans?serviceName=checkout"},
		{"spans_unknown", "/api/v2/spans?serviceName=nope"},
		{"remote_services", "/api/v2/remoteServices?serviceName=checkout"},
		{"traces_all", "/api/v2/traces"},
		{"traces_service", "/api/v2/traces?serviceName=payments&spanName=all&limit=5"},
		{"traces_remote", "/api/v2/traces?serviceName=checkout&remoteServiceName=payments"},
		{"traces_remote_none", "/api/v2/traces?serviceName=frontend&remoteServiceName=payments"},
		{"traces_annotation", "/api/v2/traces?annotationQuery=retry%20and%20response_flags%3DUF,URX"},
		{"traces_annotation_key", "/api/v2/traces?annotationQuery=db.system"},
		{"traces_duration", "/api/v2/traces?minDuration=100000&maxDuration=200000"},
		{"traces_window_empty", "/api/v2/traces?endTs=1000&lookback=1"},
		{"trace_64", "/api/v2/trace/5af7183fb1d4cf5f"},
		{"trace_64_padded", "/api/v2/trace/00000000000000005af7183fb1d4cf5f"},
		{"trace_128", "/api/v2/trace/4e441824ec2b6a44ffdc9bb9a6453df3"},
		{"trace_many", "/api/v2/traceMany?traceIds=5af7183fb1d4cf5f,4e441824ec2b6a44ffdc9bb9a6453df3,00000000000000aa"},
		{"trace_many_none", "/api/v2/traceMany?traceIds=00000000000000aa,00000000000000bb"},
		{"dependencies", "/api/v2/dependencies?endTs=1796032800000&lookback=3600000"},
		{"autocomplete_keys", "/api/v2/autocompleteKeys"},
		{"autocomplete_values", "/api/v2/autocompleteValues?key=upstream_cluster"},
		{"autocomplete_values_unconfigured", "/api/v2/autocompleteValues?key=component"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, ctype, body := serve(t, tracetest.NewBackend(), c.url)
			if code != http.StatusOK || ctype != "application/json" {
				t.Fatalf("%s = %d %s %s", c.url, code, ctype, body)
			}
			tracetest.Golden(t, filepath.Join("testdata", "golden", c.name+".json"), []byte(body), *update)
		})
	}
}

func TestTraceSearchQuery(t *testing.T) {
	b := tracetest.NewBackend()
	serve(t, b, "/api/v2/traces?serviceName=checkout&spanName=get&annotationQuery=http.method%3DPOST+and+error&minDuration=10&maxDuration=20&endTs=2000&lookback=500&limit=3")
	q := b.LastQuery()
	if q.Service != "checkout" || q.Operation != "get" || q.Tags["http.method"] != "POST" || len(q.Tags) != 1 ||
		q.MinDuration != 10*time.Microsecond || q.MaxDuration != 20*time.Microsecond ||
		q.End.UnixMilli() != 2000 || q.Start.UnixMilli() != 1500 || q.Limit != 12 {
		t.Errorf("query = %+v (limit 4×3 because of the bare word)", q)
	}
	serve(t, b, "/api/v2/traces")
	q = b.LastQuery()
	if q.Limit != DefaultLimit || q.End.Sub(q.Start) != DefaultLookback || !q.End.Equal(tracetest.Base.Add(time.Hour)) {
		t.Errorf("default query = %+v", q)
	}
	serve(t, b, "/api/v2/dependencies?endTs=1796032800000")
	if start, end := b.LastDependencyWindow(); end.UnixMilli() != 1796032800000 || end.Sub(start) != DefaultLookback {
		t.Errorf("dependency window = %v..%v", start, end)
	}
}

// TestErrors checks the status and the exact plain-text body Zipkin answers.
func TestErrors(t *testing.T) {
	failing := tracetest.NewBackend()
	failing.Err = errors.New("disk on fire")
	bare := tracetest.TraceReaderOnly{TraceReader: tracetest.NewBackend()}
	ok := tracetest.NewBackend()
	cases := []struct {
		backend any
		url     string
		status  int
		body    string
	}{
		{ok, "/api/v2/trace/00000000000000aa", 404, "00000000000000aa not found"},
		{ok, "/api/v2/trace/xyz", 400, `malformed trace id "xyz": want 16 or 32 hex characters, got 3`},
		{ok, "/api/v2/trace/5af7183fb1d4cf5g", 400, `malformed trace id "5af7183fb1d4cf5g": not hexadecimal`},
		{ok, "/api/v2/trace/0000000000000000", 400, `malformed trace id "0000000000000000": all zeros`},
		{ok, "/api/v2/traceMany", 400, "traceIds parameter is empty"},
		{ok, "/api/v2/traceMany?traceIds=5af7183fb1d4cf5f", 400, "Use /api/v2/trace/{traceId} endpoint to retrieve a single trace"},
		{ok, "/api/v2/traceMany?traceIds=5af7183fb1d4cf5f,00000000000000005af7183fb1d4cf5f", 400, "redundant traceId: 00000000000000005af7183fb1d4cf5f"},
		{ok, "/api/v2/traceMany?traceIds=5af7183fb1d4cf5f,abc", 400, `malformed trace id "abc": want 16 or 32 hex characters, got 3`},
		{ok, "/api/v2/traces?limit=0", 400, "limit <= 0"},
		{ok, "/api/v2/traces?limit=10001", 400, "limit > 10000"},
		{ok, "/api/v2/traces?limit=ten", 400, `limit: "ten" is not an integer`},
		{ok, "/api/v2/traces?endTs=0", 400, "endTs <= 0"},
		{ok, "/api/v2/traces?lookback=-5", 400, "lookback <= 0"},
		{ok, "/api/v2/traces?minDuration=0", 400, "minDuration <= 0"},
		{ok, "/api/v2/traces?maxDuration=5", 400, "maxDuration is only valid with minDuration"},
		{ok, "/api/v2/traces?minDuration=10&maxDuration=5", 400, "maxDuration < minDuration"},
		{ok, "/api/v2/traces?minDuration=1.5ms", 400, `minDuration: "1.5ms" is not an integer`},
		{ok, "/api/v2/spans", 400, "serviceName is required"},
		{ok, "/api/v2/remoteServices", 400, "serviceName is required"},
		{ok, "/api/v2/autocompleteValues", 400, "key is required"},
		{ok, "/api/v2/dependencies", 400, "endTs is required"},
		{ok, "/api/v2/dependencies?endTs=-1", 400, "endTs <= 0"},
		{ok, "/api/v2/dependencies?endTs=10&lookback=0", 400, "lookback <= 0"},
		{bare, "/api/v2/remoteServices?serviceName=checkout", 501, "not supported by this storage backend"},
		{bare, "/api/v2/dependencies?endTs=10", 501, "not supported by this storage backend"},
		{bare, "/api/v2/autocompleteKeys", 200, "[]\n"},
		{bare, "/api/v2/autocompleteValues?key=k", 200, "[]\n"},
		{struct{}{}, "/api/v2/services", 501, "not supported by this storage backend"},
		{failing, "/api/v2/services", 500, "disk on fire"},
		{failing, "/api/v2/trace/5af7183fb1d4cf5f", 500, "disk on fire"},
		{failing, "/api/v2/traceMany?traceIds=5af7183fb1d4cf5f,00000000000000aa", 500, "disk on fire"},
	}
	for _, c := range cases {
		code, ctype, body := serve(t, c.backend, c.url)
		if code != c.status || body != c.body {
			t.Errorf("%s = %d %q, want %d %q", c.url, code, body, c.status, c.body)
		}
		if code >= 400 && !strings.HasPrefix(ctype, "text/plain") {
			t.Errorf("%s: error Content-Type %q", c.url, ctype)
		}
	}
}
