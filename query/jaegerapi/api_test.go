package jaegerapi

import (
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/meshlens/meshlens/query/internal/tracetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// serve answers one GET against an API over backend, with now fixed just
// after the fixture.
func serve(t testing.TB, backend any, url string) (int, string) {
	t.Helper()
	a := New(backend, nil)
	a.now = func() time.Time { return tracetest.Base.Add(time.Hour) }
	mux := http.NewServeMux()
	a.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

const (
	mesh = "5af7183fb1d4cf5f"
	otel = "4e441824ec2b6a44ffdc9bb9a6453df3"
	// window covers the fixture (start and end in µs).
	window = "&start=1795946390000000&end=1795946410000000"
	v3win  = "&query.start_time_min=2026-11-29T09:00:00Z&query.start_time_max=2026-11-29T11:00:00Z"
)

func TestEndpointsGolden(t *testing.T) {
	cases := []struct{ name, url string }{
		{"services", "/api/services"},
		{"operations_legacy", "/api/services/checkout/operations"},
		{"operations", "/api/operations?service=checkout"},
		{"operations_server", "/api/operations?service=checkout&spanKind=server"},
		{"operations_internal", "/api/operations?service=payments&spanKind=internal"},
		{"search_service", "/api/traces?service=checkout" + window},
		{"search_tags", "/api/traces?service=checkout&tags=%7B%22response_flags%22%3A%22UF%2CURX%22%7D" + window},
		{"search_tag", "/api/traces?service=payments&tag=http.route:/charge&lookback=custom" + window},
		{"search_duration", "/api/traces?service=payments&minDuration=30ms&maxDuration=1s&lookback=2d&limit=20"},
		{"search_none", "/api/traces?service=frontend&tag=http.method:DELETE" + window},
		{"search_ids", "/api/traces?traceID=" + mesh + "&traceID=00000000000000aa"},
		{"trace_64", "/api/traces/" + mesh},
		{"trace_64_raw", "/api/traces/" + mesh + "?raw=true"},
		{"trace_128", "/api/traces/" + otel},
		{"dependencies", "/api/dependencies?endTs=1796032800000&lookback=3600000"},
		{"dependencies_service", "/api/dependencies?service=payments"},
		{"v3_services", "/api/v3/services"},
		{"v3_operations", "/api/v3/operations?service=payments"},
		{"v3_operations_kind", "/api/v3/operations?service=checkout&span_kind=client"},
		{"v3_trace_64", "/api/v3/traces/00000000000000005af7183fb1d4cf5f"},
		{"v3_trace_64_raw", "/api/v3/traces/" + mesh + "?rawTraces=true"},
		{"v3_trace_128", "/api/v3/traces/" + otel},
		{"v3_search", "/api/v3/traces?query.service_name=payments&query.operation_name=POST%20/charge" + v3win},
		{"v3_search_attrs", "/api/v3/traces?query.serviceName=checkout&query.attributes=%7B%22http.status_code%22%3A503%7D&query.search_depth=5" + v3win},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := serve(t, tracetest.NewBackend(), c.url)
			if code != http.StatusOK {
				t.Fatalf("%s = %d %s", c.url, code, body)
			}
			tracetest.Golden(t, filepath.Join("testdata", "golden", c.name+".json"), []byte(body), *update)
		})
	}
}

// TestSearchQuery checks how search parameters reach storage.
func TestSearchQuery(t *testing.T) {
	now := tracetest.Base.Add(time.Hour)
	cases := []struct {
		url   string
		check func(q storageQuery) bool
	}{
		{"/api/traces?service=a", func(q storageQuery) bool {
			return q.Limit == DefaultLimit && q.End.Equal(now) && q.End.Sub(q.Start) == DefaultSearchLookback && q.Tags == nil
		}},
		{"/api/traces?service=a&lookback=1h", func(q storageQuery) bool { return q.End.Sub(q.Start) == time.Hour }},
		{"/api/traces?service=a&lookback=2d", func(q storageQuery) bool { return q.End.Sub(q.Start) == 48*time.Hour }},
		{"/api/traces?service=a&lookback=1h&start=1000000", func(q storageQuery) bool { return q.Start.Equal(time.Unix(1, 0)) }},
		{"/api/traces?service=a&operation=op&start=1000&end=5000&limit=7", func(q storageQuery) bool {
			return q.Operation == "op" && q.Start.Equal(time.UnixMicro(1000)) && q.End.Equal(time.UnixMicro(5000)) && q.Limit == 7
		}},
		{"/api/traces?service=a&tag=k:v:w&tag=x:1&tags=%7B%22x%22%3A%222%22%2C%22error%22%3Atrue%7D", func(q storageQuery) bool {
			return len(q.Tags) == 3 && q.Tags["k"] == "v:w" && q.Tags["x"] == "2" && q.Tags["error"] == "true"
		}},
		{"/api/traces?service=a&minDuration=1.5ms&maxDuration=2s", func(q storageQuery) bool {
			return q.MinDuration == 1500*time.Microsecond && q.MaxDuration == 2*time.Second
		}},
		{"/api/v3/traces?query.serviceName=a&query.startTimeMin=2026-11-29T09:00:00Z&query.startTimeMax=2026-11-29T11:00:00.5Z&query.durationMin=10ms&query.searchDepth=3", func(q storageQuery) bool {
			return q.Service == "a" && q.Start.Equal(tracetest.Base.Add(-time.Hour)) &&
				q.End.Equal(tracetest.Base.Add(time.Hour+500*time.Millisecond)) && q.MinDuration == 10*time.Millisecond && q.Limit == 3
		}},
		{"/api/v3/traces?query.service_name=a" + v3win, func(q storageQuery) bool { return q.Limit == DefaultSearchDepth && q.Tags == nil }},
		{"/api/v3/traces?query.service_name=a&query.attributes=%7B%22a%22%3A%221%22%7D&query.attributes%5Bb%5D=2&query.attributes.c.d=3" + v3win,
			func(q storageQuery) bool {
				return len(q.Tags) == 3 && q.Tags["a"] == "1" && q.Tags["b"] == "2" && q.Tags["c.d"] == "3"
			}},
	}
	for _, c := range cases {
		b := tracetest.NewBackend()
		serve(t, b, c.url)
		if q := b.LastQuery(); !c.check(q) {
			t.Errorf("%s: query %+v", c.url, q)
		}
	}
	b := tracetest.NewBackend()
	serve(t, b, "/api/dependencies?endTs=1796032800000")
	if start, end := b.LastDependencyWindow(); end.UnixMilli() != 1796032800000 || end.Sub(start) != DefaultDependencyLookback {
		t.Errorf("dependency window %v..%v", start, end)
	}
}

// TestErrors checks statuses and the exact bodies Jaeger gives.
func TestErrors(t *testing.T) {
	ok := tracetest.NewBackend()
	failing := tracetest.NewBackend()
	failing.Err = errors.New("disk on fire")
	bare := tracetest.TraceReaderOnly{TraceReader: tracetest.NewBackend()}
	const pre = `{"data":null,"total":0,"limit":0,"offset":0,"errors":[`
	cases := []struct {
		backend any
		url     string
		status  int
		body    string
	}{
		{ok, "/api/traces/00000000000000aa", 404, pre + `{"code":404,"msg":"trace not found"}]}`},
		{ok, "/api/traces/xyz", 400, pre + `{"code":400,"msg":"malformed trace id \"xyz\": want 16 or 32 hex characters, got 3"}]}`},
		{ok, "/api/traces/" + mesh + "0", 400, pre + `{"code":400,"msg":"malformed trace id \"5af7183fb1d4cf5f0\": want 16 or 32 hex characters, got 17"}]}`},
		{ok, "/api/traces", 400, pre + `{"code":400,"msg":"parameter 'service' is required"}]}`},
		{ok, "/api/traces?service=a&tag=nocolon", 400, pre + `{"code":400,"msg":"malformed 'tag' parameter, expecting key:value, received: nocolon"}]}`},
		{ok, "/api/traces?service=a&tags=%7Bbad", 400, pre + `{"code":400,"msg":"malformed 'tags' parameter, cannot unmarshal JSON: invalid character 'b' looking for beginning of object key string"}]}`},
		{ok, "/api/traces?service=a&tags=%5B1%5D", 400, pre + `{"code":400,"msg":"malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"}]}`},
		{ok, "/api/traces?service=a&tags=%7B%22k%22%3A%7B%7D%7D", 400, pre + `{"code":400,"msg":"malformed 'tags' parameter, cannot unmarshal JSON: value of \"k\" must be a string, number or boolean"}]}`},
		{ok, "/api/traces?service=a&minDuration=fast", 400, pre + `{"code":400,"msg":"unable to parse param 'minDuration': time: invalid duration \"fast\""}]}`},
		{ok, "/api/traces?service=a&maxDuration=-1s", 400, pre + `{"code":400,"msg":"unable to parse param 'maxDuration': duration \"-1s\" is negative"}]}`},
		{ok, "/api/traces?service=a&minDuration=2s&maxDuration=1s", 400, pre + `{"code":400,"msg":"'maxDuration' should be greater than 'minDuration'"}]}`},
		{ok, "/api/traces?service=a&start=yesterday", 400, pre + `{"code":400,"msg":"unable to parse param 'start': strconv.ParseInt: parsing \"yesterday\": invalid syntax"}]}`},
		{ok, "/api/traces?service=a&end=-5", 400, pre + `{"code":400,"msg":"unable to parse param 'end': -5 is out of range"}]}`},
		{ok, "/api/traces?service=a&lookback=3x", 400, pre + `{"code":400,"msg":"unable to parse param 'lookback': time: unknown unit \"x\" in duration \"3x\""}]}`},
		{ok, "/api/traces?service=a&lookback=0d", 400, pre + `{"code":400,"msg":"unable to parse param 'lookback': lookback \"0d\" is not a Go duration or 1–10000 days (d) or weeks (w)"}]}`},
		{ok, "/api/traces?service=a&limit=many", 400, pre + `{"code":400,"msg":"unable to parse param 'limit': \"many\" is not an integer in [0, 10000]"}]}`},
		{ok, "/api/traces?traceID=zz", 400, pre + `{"code":400,"msg":"cannot parse traceID param: malformed trace id \"zz\": want 16 or 32 hex characters, got 2"}]}`},
		{ok, "/api/operations", 400, pre + `{"code":400,"msg":"parameter 'service' is required"}]}`},
		{ok, "/api/operations?service=a&spanKind=SERVER", 400, pre + `{"code":400,"msg":"unable to parse param 'spanKind': unsupported span kind \"SERVER\""}]}`},
		{ok, "/api/dependencies?endTs=now", 400, pre + `{"code":400,"msg":"unable to parse param 'endTs': strconv.ParseInt: parsing \"now\": invalid syntax"}]}`},
		{ok, "/api/dependencies?lookback=0", 400, pre + `{"code":400,"msg":"unable to parse param 'lookback': 0 is not a positive number of milliseconds"}]}`},
		{bare, "/api/dependencies", 501, pre + `{"code":501,"msg":"not supported by this storage backend"}]}`},
		{struct{}{}, "/api/services", 501, pre + `{"code":501,"msg":"not supported by this storage backend"}]}`},
		{failing, "/api/services", 500, pre + `{"code":500,"msg":"disk on fire"}]}`},
		{failing, "/api/traces/" + mesh, 500, pre + `{"code":500,"msg":"disk on fire"}]}`},
		{failing, "/api/traces?traceID=" + mesh, 500, pre + `{"code":500,"msg":"disk on fire"}]}`},
		{failing, "/api/dependencies", 500, pre + `{"code":500,"msg":"disk on fire"}]}`},

		{ok, "/api/v3/traces/00000000000000aa", 404, `{"error":{"httpCode":404,"message":"No traces found"}}`},
		{ok, "/api/v3/traces?query.service_name=nope" + v3win, 404, `{"error":{"httpCode":404,"message":"No traces found"}}`},
		{ok, "/api/v3/traces/xyz", 400, `{"error":{"httpCode":400,"message":"malformed parameter trace_id: malformed trace id \"xyz\": want 16 or 32 hex characters, got 3"}}`},
		{ok, "/api/v3/traces/" + mesh + "?start_time=noon", 400, `{"error":{"httpCode":400,"message":"malformed parameter start_time: parsing time \"noon\" as \"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \"noon\" as \"2006\""}}`},
		{ok, "/api/v3/traces/" + mesh + "?rawTraces=maybe", 400, `{"error":{"httpCode":400,"message":"malformed parameter rawTraces: strconv.ParseBool: parsing \"maybe\": invalid syntax"}}`},
		{ok, "/api/v3/traces?query.service_name=a", 400, `{"error":{"httpCode":400,"message":"query.startTimeMin and query.startTimeMax are required"}}`},
		{ok, "/api/v3/traces?query.start_time_min=2026-11-29T11:00:00Z&query.start_time_max=2026-11-29T09:00:00Z", 400, `{"error":{"httpCode":400,"message":"query.startTimeMin must be before query.startTimeMax"}}`},
		{ok, "/api/v3/traces?query.search_depth=0" + v3win, 400, `{"error":{"httpCode":400,"message":"malformed parameter query.search_depth: \"0\" is not an integer in [1, 10000]"}}`},
		{ok, "/api/v3/traces?query.duration_min=1" + v3win, 400, `{"error":{"httpCode":400,"message":"malformed parameter query.duration_min: time: missing unit in duration \"1\""}}`},
		{ok, "/api/v3/traces?query.durationMin=2s&query.durationMax=1s" + v3win, 400, `{"error":{"httpCode":400,"message":"query.durationMax must not be less than query.durationMin"}}`},
		{ok, "/api/v3/traces?query.attributes=%5B%5D" + v3win, 400, `{"error":{"httpCode":400,"message":"malformed parameter query.attributes: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"}}`},
		{ok, "/api/v3/operations", 400, `{"error":{"httpCode":400,"message":"malformed parameter service: required"}}`},
		{ok, "/api/v3/operations?service=a&span_kind=bogus", 400, `{"error":{"httpCode":400,"message":"unable to parse param 'span_kind': unsupported span kind \"bogus\""}}`},
		{struct{}{}, "/api/v3/services", 501, `{"error":{"httpCode":501,"message":"not supported by this storage backend"}}`},
		{failing, "/api/v3/traces?query.service_name=a" + v3win, 500, `{"error":{"httpCode":500,"message":"disk on fire"}}`},
	}
	for _, c := range cases {
		code, body := serve(t, c.backend, c.url)
		if code != c.status || body != c.body+"\n" {
			t.Errorf("%s = %d %s\nwant %d %s", c.url, code, body, c.status, c.body)
		}
	}
}
