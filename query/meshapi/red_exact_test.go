package meshapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/meshlens/meshlens/query/meshapi"
	"github.com/meshlens/meshlens/storage"
	// The API is tested over the real default backend: query code never
	// imports a backend, only this test does.
	"github.com/meshlens/meshlens/storage/embedded"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// TestREDExactOverAPI checks GET /red over a generated corpus of 1M access
// logs against a brute-force computation in Go: counts, error and
// client-error ratios and the p50/p90/p99 must be equal, not close.
func TestREDExactOverAPI(t *testing.T) {
	const n = 1_000_000
	base := time.Now().UTC().Truncate(time.Minute)
	rows := storagetest.REDCorpus(n, base, 7)
	b, err := embedded.Open(embedded.Config{Path: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := 0; i < n; i += 100_000 {
		if err := b.WriteAccessLogs(t.Context(), rows[i:min(i+100_000, n)]); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	meshapi.New(b, nil).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, c := range []struct{ by, ns string }{{"service", ""}, {"edge", ""}, {"service", "shop"}} {
		t.Run(c.by+"/"+c.ns, func(t *testing.T) {
			start, end := base.Add(-20*time.Minute), base.Add(25*time.Minute)
			want := storagetest.BruteForceRED(rows, storage.REDQuery{Start: start, End: end, By: c.by, Namespace: c.ns})
			q := url.Values{"by": {c.by}, "namespace": {c.ns},
				"start": {start.Format(time.RFC3339Nano)}, "end": {end.Format(time.RFC3339Nano)}}
			got := getRED(t, srv.URL+meshapi.Prefix+"red?"+q.Encode())
			if len(got.Rows) != len(want) || len(want) == 0 {
				t.Fatalf("%d rows, brute force has %d", len(got.Rows), len(want))
			}
			window := end.Sub(start).Seconds()
			for i, w := range want {
				g := got.Rows[i]
				if g.Destination.Service != w.Edge.DestinationService || g.Destination.Namespace != w.Edge.DestinationNamespace ||
					(c.by == "edge" && (g.Source.Service != w.Edge.SourceService || g.Source.Version != w.Edge.SourceVersion ||
						g.Destination.Version != w.Edge.DestinationVersion || g.Protocol != w.Edge.Protocol)) {
					t.Fatalf("row %d is %+v, brute force has %+v", i, g, w.Edge)
				}
				wr := w.RED
				exp := fmt.Sprint(wr.Requests, wr.Errors, wr.ClientErrors, float64(wr.Requests)/window,
					float64(wr.Errors)/float64(wr.Requests), wr.P50, wr.P90, wr.P99, wr.BytesIn, wr.BytesOut)
				act := fmt.Sprint(g.Requests, g.Errors, g.ClientErrors, g.Rate, g.ErrorRatio, g.P50, g.P90, g.P99, g.BytesIn, g.BytesOut)
				if exp != act || g.RelativeError != 0 {
					t.Errorf("%s %+v:\n api: %s\nwant: %s", c.by, w.Edge, act, exp)
				}
			}
		})
	}
}

func getRED(t *testing.T, u string) meshapi.REDAnswer {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data  meshapi.REDAnswer `json:"data"`
		Error string            `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %v %s", u, strconv.Itoa(resp.StatusCode), err, env.Error)
	}
	return env.Data
}
