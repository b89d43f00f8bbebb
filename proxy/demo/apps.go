package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// propagated are the headers Bookinfo's apps copy from the request they
// serve to the calls they make, so traces and routing follow the request.
var propagated = []string{
	"X-Request-Id", "X-B3-Traceid", "X-B3-Spanid", "X-B3-Parentspanid", "X-B3-Sampled", "X-B3-Flags", "B3",
	"Traceparent", "Tracestate", "X-Ot-Span-Context", "X-User-Type", "End-User", "User-Agent",
}

// app is one Bookinfo-like application instance. It calls other services
// through its own sidecar's outbound listener, naming them in Host.
type app struct {
	name, version string
	outbound      string // its sidecar's outbound listener
	client        *http.Client
	// fault, when set, may answer instead of the app (the faulty ratings).
	fault func(w http.ResponseWriter, r *http.Request) bool
}

// call GETs path on service through the sidecar, propagating headers.
func (a *app) call(in *http.Request, service, path string) (map[string]any, int) {
	req, err := http.NewRequestWithContext(in.Context(), "GET", "http://"+a.outbound+path, nil)
	if err != nil {
		return nil, 500
	}
	req.Host = service + ":9080"
	for _, h := range propagated {
		if v := in.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, 503
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return out, resp.StatusCode
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.fault != nil && a.fault(w, r) {
		return
	}
	body := map[string]any{"service": a.name, "version": a.version}
	code := http.StatusOK
	switch a.name {
	case "productpage":
		d, dc := a.call(r, "details", "/details/0")
		rv, rc := a.call(r, "reviews", "/reviews/0")
		body["details"], body["reviews"] = d, rv
		if dc >= 500 || rc >= 500 {
			body["error"] = fmt.Sprintf("details %d, reviews %d", dc, rc)
		}
	case "reviews":
		if a.version != "v1" { // v2 and v3 show stars
			rt, rc := a.call(r, "ratings", "/ratings/0")
			body["ratings"] = rt
			if rc != http.StatusOK {
				body["ratings_error"] = rc
			}
		}
	case "details":
		body["details"] = map[string]any{"id": 0, "author": "William Shakespeare", "year": 1595, "pages": 200}
	case "ratings":
		body["ratings"] = map[string]int{"Reviewer1": 5, "Reviewer2": 4}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// flaky is the faulty ratings instance: 503 for errRate of requests, and
// a delay of 1-4s for slowRate of them (some beyond the 3s per-try
// timeout, so they are retried elsewhere).
func flaky(errRate, slowRate float64) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		x := rand.Float64()
		switch {
		case x < errRate:
			http.Error(w, "ratings backend unavailable", http.StatusServiceUnavailable)
			return true
		case x < errRate+slowRate:
			d := time.Second + time.Duration(rand.Int64N(int64(3*time.Second)))
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return true
			}
		}
		return false
	}
}
