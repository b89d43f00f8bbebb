package promapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
)

// benchMesh is 1,000 istio_requests_total series: 20 services × 10
// workloads × 5 codes, destination-reported.
var benchMesh = mesh{
	workloads: names("workload", 10),
	services:  names("svc", 20),
	codes:     map[string]float64{"200": 9, "201": 2, "404": 1, "500": 0.5, "503": 0.5},
	reporters: []string{"destination"},
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

// BenchmarkQueryRange runs one dashboard panel's query over 1,000 series,
// one hour at a 15 s step (241 steps, 20 result series):
//
//   - engine: the bare promql.Engine, the baseline;
//   - handler: the same through the API's HTTP handler, without a network
//     (parameter parsing, JSON encoding; no compression);
//   - client: the same through a real HTTP server and client_golang,
//     gzip and the client's decoding included.
//
// handler/engine is the API's own overhead.
func BenchmarkQueryRange(b *testing.B) {
	const qs = `sum by (destination_service)(rate(istio_requests_total[5m]))`
	db := openTSDB(b)
	load(b, db, benchMesh)
	if n := benchMesh.seriesCount(); n != 1000 {
		b.Fatalf("mesh has %d series", n)
	}
	h := newHarness(b, db, nil, Options{})
	start, end, step := t0, t0.Add(dataSpan), scrapeStep

	check := func(b *testing.B, m promql.Matrix) {
		// The first step has a single sample in its window: no rate.
		if len(m) != len(benchMesh.services) || len(m[0].Floats) != 240 {
			b.Fatalf("got %d series × %d points", len(m), len(m[0].Floats))
		}
	}

	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			q, err := h.api.engine.NewRangeQuery(context.Background(), db, nil, qs, start, end, step)
			if err != nil {
				b.Fatal(err)
			}
			res := q.Exec(context.Background())
			if res.Err != nil {
				b.Fatal(res.Err)
			}
			check(b, res.Value.(promql.Matrix))
			q.Close()
		}
	})

	b.Run("handler", func(b *testing.B) {
		mux := http.NewServeMux()
		h.api.Register(mux)
		target := "/api/v1/query_range?" + url.Values{
			"query": {qs}, "start": {unix(start)}, "end": {unix(end)}, "step": {"15"},
		}.Encode()
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})

	b.Run("client", func(b *testing.B) {
		r := v1.Range{Start: start, End: end, Step: step}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := h.client.QueryRange(context.Background(), qs, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeMatrix is the JSON encoding of a range result alone: 20
// series × 241 points.
func BenchmarkEncodeMatrix(b *testing.B) {
	m := make(promql.Matrix, 20)
	for i := range m {
		m[i].Metric = labels.FromStrings("destination_service", fmt.Sprintf("svc-%d.default.svc.cluster.local", i))
		for j := range 241 {
			m[i].Floats = append(m[i].Floats, promql.FPoint{T: t0.Add(time.Duration(j) * scrapeStep).UnixMilli(), F: 123.456 + float64(j)})
		}
	}
	data := &queryData{ResultType: m.Type(), Result: m}
	b.ReportAllocs()
	for b.Loop() {
		s := encodeSuccess(data, nil, nil)
		if s.Error != nil {
			b.Fatal(s.Error)
		}
		jsonAPI.ReturnStream(s)
	}
}
