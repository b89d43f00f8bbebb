package promapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

// envelope is a decoded answer.
type envelope struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
}

// call sends form as the query string (GET) or as a form body (POST) and
// returns the status and the decoded body (zero for an empty body).
func call(tb testing.TB, base, method, path string, form url.Values) (int, envelope) {
	tb.Helper()
	var body io.Reader
	target := base + path
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		target += "?" + form.Encode()
	}
	req, err := http.NewRequestWithContext(ctxT(tb), method, target, body)
	if err != nil {
		tb.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	var env envelope
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &env); err != nil {
			tb.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, env
}

func TestBadInput(t *testing.T) {
	h := fixture(t)
	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	const (
		rng   = "/api/v1/query_range"
		query = "/api/v1/query"
	)
	tests := []struct {
		name      string
		method    string // default GET
		path      string
		form      url.Values
		status    int
		errorType string
		err       string // exact, or a prefix when it ends in "…"
	}{
		// PromQL and query parameters.
		{"bad PromQL", "", query, v("query", "sum(istio_requests_total"), 400, "bad_data", `invalid parameter "query": 1:25: parse error: unclosed left parenthesis`},
		{"bad PromQL by POST", "POST", query, v("query", "rate(x[5m]"), 400, "bad_data", `invalid parameter "query": 1:11: parse error: unclosed left parenthesis`},
		{"no query", "", query, nil, 400, "bad_data", `invalid parameter "query": unknown position: parse error: no expression found in input`},
		{"unknown function", "", query, v("query", "rated(x[5m])"), 400, "bad_data", `invalid parameter "query": 1:1: parse error: unknown function with name "rated"`},
		{"bad time", "", query, v("query", "1", "time", "yesterday"), 400, "bad_data", `invalid parameter "time": invalid time value for 'time': cannot parse "yesterday" to a valid timestamp`},
		{"NaN time", "", query, v("query", "1", "time", "NaN"), 400, "bad_data", `invalid parameter "time": invalid time value for 'time': cannot parse "NaN" to a valid timestamp`},
		{"bad timeout", "", query, v("query", "1", "timeout", "soon"), 400, "bad_data", `invalid parameter "timeout": cannot parse "soon" to a valid duration`},
		{"zero timeout", "", query, v("query", "1", "timeout", "0"), 400, "bad_data", `invalid parameter "timeout": timeout must be positive, got 0s`},
		{"negative limit", "", query, v("query", "1", "limit", "-1"), 400, "bad_data", `invalid parameter "limit": limit must be non-negative`},
		{"bad limit", "", query, v("query", "1", "limit", "ten"), 400, "bad_data", `invalid parameter "limit": strconv.Atoi: parsing "ten": invalid syntax`},
		{"bad lookback_delta", "", query, v("query", "1", "lookback_delta", "x"), 400, "bad_data", `error parsing lookback delta duration: cannot parse "x" to a valid duration`},
		{"execution error", "", query, v("query", `label_replace(envoy_server_live, "a", "$1", "b", "(")`), 422, "execution", `invalid regular expression in label_replace(): (`},
		{"range: end before start", "", rng, v("query", "1", "start", "100", "end", "99", "step", "1"), 400, "bad_data", `invalid parameter "end": end timestamp must not be before start time`},
		{"range: bad start", "", rng, v("query", "1", "start", "2026-13-01T00:00:00Z", "end", "99", "step", "1"), 400, "bad_data", `invalid parameter "start": cannot parse "2026-13-01T00:00:00Z" to a valid timestamp`},
		{"range: missing end", "", rng, v("query", "1", "start", "1"), 400, "bad_data", `invalid parameter "end": cannot parse "" to a valid timestamp`},
		{"range: zero step", "", rng, v("query", "1", "start", "0", "end", "10", "step", "0"), 400, "bad_data", `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`},
		{"range: negative step", "POST", rng, v("query", "1", "start", "0", "end", "10", "step", "-15s"), 400, "bad_data", `invalid parameter "step": cannot parse "-15s" to a valid duration`},
		{"range: overflowing step", "", rng, v("query", "1", "start", "0", "end", "10", "step", "1e300"), 400, "bad_data", `invalid parameter "step": cannot parse "1e300" to a valid duration. It overflows int64`},
		{"range: too many points", "", rng, v("query", "1", "start", "0", "end", "11001", "step", "1"), 400, "bad_data", `exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)`},
		{"range: range vector", "", rng, v("query", "istio_requests_total[5m]", "start", "0", "end", "10", "step", "1"), 400, "bad_data", `invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector`},
		// Series and labels.
		{"series: no match[]", "", "/api/v1/series", nil, 400, "bad_data", `no match[] parameter provided`},
		{"series: empty matcher", "POST", "/api/v1/series", v("match[]", `{job=""}`), 400, "bad_data", `invalid parameter "match[]": match[] must contain at least one non-empty matcher`},
		{"series: bad matcher", "", "/api/v1/series", v("match[]", `{job=~"("}`), 400, "bad_data", `invalid parameter "match[]": 1:2: parse error: error parsing regexp: missing closing ): ` + "`(`"},
		{"series: bad end", "", "/api/v1/series", v("match[]", `up`, "end", "x"), 400, "bad_data", `invalid parameter "end": invalid time value for 'end': cannot parse "x" to a valid timestamp`},
		{"labels: empty matcher", "", "/api/v1/labels", v("match[]", `{a=~".*"}`), 400, "bad_data", `match[] must contain at least one non-empty matcher`},
		{"labels: bad limit", "POST", "/api/v1/labels", v("limit", "x"), 400, "bad_data", `invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax`},
		{"label values: bad name", "", "/api/v1/label/%ff/values", nil, 400, "bad_data", `invalid label name: "\xff"`},
		{"label values: bad start", "", "/api/v1/label/job/values", v("start", "x"), 400, "bad_data", `invalid parameter "start": invalid time value for 'start': cannot parse "x" to a valid timestamp`},
		// Other endpoints.
		{"metadata: bad limit", "", "/api/v1/metadata", v("limit", "x"), 400, "bad_data", `limit must be a number`},
		{"metadata: bad limit_per_metric", "", "/api/v1/metadata", v("limit_per_metric", "x"), 400, "bad_data", `limit_per_metric must be a number`},
		{"tsdb: zero limit", "", "/api/v1/status/tsdb", v("limit", "0"), 400, "bad_data", `limit must be a positive number`},
		{"tsdb: huge limit", "", "/api/v1/status/tsdb", v("limit", "10001"), 400, "bad_data", `limit must not exceed 10000`},
		{"exemplars: end before start", "", "/api/v1/query_exemplars", v("query", "up", "start", "10", "end", "9"), 400, "bad_data", `end timestamp must not be before start timestamp`},
		{"exemplars: bad query", "POST", "/api/v1/query_exemplars", v("query", "up{"), 400, "bad_data", `1:4: parse error: unexpected end of input inside braces`},
		{"format_query: bad query", "", "/api/v1/format_query", v("query", "1 +"), 400, "bad_data", `invalid parameter "query": 1:4: parse error: unexpected end of input`},
		// Unknown parameters are ignored, as by Prometheus; unknown routes
		// and methods get net/http's answers.
		{"unknown parameter", "", query, v("query", "1", "frobnicate", "yes"), 200, "", ""},
		{"exemplars without selectors", "", "/api/v1/query_exemplars", v("query", "1"), 204, "", ""},
		{"unknown endpoint", "", "/api/v1/targets", nil, 404, "", ""},
		{"wrong method", "DELETE", query, nil, 405, "", ""},
		{"POST to a GET-only endpoint", "POST", "/api/v1/metadata", nil, 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			status, env := call(t, h.srv.URL, method, tt.path, tt.form)
			if status != tt.status {
				t.Errorf("status %d, want %d (%+v)", status, tt.status, env)
			}
			if tt.errorType == "" {
				return
			}
			if env.Status != "error" || env.ErrorType != tt.errorType || env.Error != tt.err {
				t.Errorf("got %s %s %q\nwant error %s %q", env.Status, env.ErrorType, env.Error, tt.errorType, tt.err)
			}
			// And the server keeps serving.
			if status, env := call(t, h.srv.URL, method, query, v("query", "envoy_server_live", "time", unix(t0))); status != 200 || env.Status != "success" {
				t.Errorf("after the bad request: %d %+v", status, env)
			}
		})
	}
}

func TestFormBodies(t *testing.T) {
	h := fixture(t)
	var multi bytes.Buffer
	mw := multipart.NewWriter(&multi)
	if err := mw.WriteField("query", "envoy_server_live"); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, contentType, body string
		status                  int
		errorPrefix             string
	}{
		{"multipart", mw.FormDataContentType(), multi.String(), 200, ""},
		{"malformed urlencoded", "application/x-www-form-urlencoded", "query=%zz", 400, "error parsing form values: "},
		{"malformed multipart", "multipart/form-data; boundary=x", "--y\r\n", 400, "error parsing form values: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, h.srv.URL+"/api/v1/query?time=0", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env envelope
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.HasPrefix(env.Error, tt.errorPrefix) || (tt.errorPrefix != "") != (env.ErrorType == "bad_data") {
				t.Errorf("got %d %+v", resp.StatusCode, env)
			}
		})
	}
}

// TestDeadlines drives the handler directly, with contexts and clocks the
// test controls, for the answers that depend on time: timeouts (503) and
// clients that went away (499).
func TestDeadlines(t *testing.T) {
	db := openTSDB(t)
	load(t, db, smallMesh)
	a, err := New(db, nil, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// The clock runs an hour late: any `timeout` has expired on arrival.
	a.now = func() time.Time { return time.Now().Add(-time.Hour) }
	mux := http.NewServeMux()
	a.Register(mux)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		target    string
		status    int
		errorType string
		err       string
	}{
		{"timeout parameter", context.Background(), "/api/v1/query?query=envoy_server_live&time=0&timeout=1m", 503, "timeout", "query timed out in query queue"},
		{"range timeout parameter", context.Background(), "/api/v1/query_range?query=1&start=0&end=60&step=15&timeout=30", 503, "timeout", "query timed out in query queue"},
		{"expired request", expired, "/api/v1/query?query=1&time=0", 503, "timeout", "query timed out in query queue"},
		{"client went away", canceled, "/api/v1/query?query=1&time=0", 499, "canceled", "query was canceled in query queue"},
		{"client went away from a series scan", canceled, "/api/v1/series?match[]=istio_requests_total", 499, "canceled", "select series: context canceled"},
		{"no timeout", context.Background(), "/api/v1/query?query=1&time=0", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequestWithContext(tt.ctx, http.MethodGet, tt.target, nil))
			var env envelope
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tt.status || env.ErrorType != tt.errorType || env.Error != tt.err {
				t.Errorf("got %d %s %q, want %d %s %q", rec.Code, env.ErrorType, env.Error, tt.status, tt.errorType, tt.err)
			}
		})
	}
}

func TestTooManySamples(t *testing.T) {
	db := openTSDB(t)
	load(t, db, smallMesh)
	h := newHarness(t, db, nil, Options{MaxSamples: 10})
	status, env := call(t, h.srv.URL, http.MethodGet, "/api/v1/query", url.Values{"query": {"istio_requests_total[5m]"}, "time": {unix(t0.Add(time.Hour))}})
	if status != 422 || env.ErrorType != "execution" || env.Error != "query processing would load too many samples into memory in query execution" {
		t.Errorf("got %d %+v", status, env)
	}
}

// blockingQueryable holds every Select until release is closed, telling
// entered when the first one arrives.
type blockingQueryable struct {
	storage.Queryable
	entered, release chan struct{}
	once             sync.Once
}

func (b *blockingQueryable) Querier(mint, maxt int64) (storage.Querier, error) {
	q, err := b.Queryable.Querier(mint, maxt)
	return &blockingQuerier{Querier: q, b: b}, err
}

type blockingQuerier struct {
	storage.Querier
	b *blockingQueryable
}

func (q *blockingQuerier) Select(ctx context.Context, sorted bool, hints *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	q.b.once.Do(func() { close(q.b.entered) })
	select {
	case <-q.b.release:
	case <-ctx.Done():
		return storage.ErrSeriesSet(ctx.Err())
	}
	return q.Querier.Select(ctx, sorted, hints, ms...)
}

// TestConcurrencyLimit fills the only query slot and checks that the next
// query waits for it until its timeout, then that the first completes.
func TestConcurrencyLimit(t *testing.T) {
	db := openTSDB(t)
	load(t, db, smallMesh)
	bq := &blockingQueryable{Queryable: db, entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, bq, nil, Options{MaxConcurrency: 1})

	first := make(chan int, 1)
	go func() {
		status, _ := call(t, h.srv.URL, http.MethodGet, "/api/v1/query", url.Values{"query": {"envoy_server_live"}, "time": {unix(t0)}})
		first <- status
	}()
	select {
	case <-bq.entered:
	case <-ctxT(t).Done():
		t.Fatal("first query never reached storage")
	}

	status, env := call(t, h.srv.URL, http.MethodGet, "/api/v1/query", url.Values{"query": {"1"}, "timeout": {"0.05"}})
	if status != 503 || env.ErrorType != "timeout" || env.Error != "query timed out in query queue" {
		t.Errorf("queued query: got %d %+v", status, env)
	}
	close(bq.release)
	if status := <-first; status != 200 {
		t.Errorf("first query: got %d", status)
	}
}
