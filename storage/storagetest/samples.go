package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	promstorage "github.com/prometheus/prometheus/storage"

	"github.com/meshlens/meshlens/storage"
)

// RunSamples checks the samples seam: SampleWriter plus Queryable.
func RunSamples(t *testing.T, h Harness) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, h) })
	t.Run("Matchers", func(t *testing.T) { testMatchers(t, h) })
	t.Run("LabelNamesAndValues", func(t *testing.T) { testLabelIndex(t, h) })
	t.Run("StalenessMarker", func(t *testing.T) { testStaleness(t, h) })
	t.Run("RejectKeepsRest", func(t *testing.T) { testRejectKeepsRest(t, h) })
	t.Run("ReplayIsNoop", func(t *testing.T) { testReplay(t, h) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("DurableAcrossReopen", func(t *testing.T) { testDurable(t, h) })
	t.Run("Metadata", func(t *testing.T) { testMetadata(t, h) })
}

func open(t *testing.T, h Harness) storage.Backend {
	t.Helper()
	b := h.Open(t)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func mustAppend(t *testing.T, b storage.SampleWriter, s []storage.Sample) {
	t.Helper()
	if err := b.AppendSamples(context.Background(), s); err != nil {
		t.Fatalf("AppendSamples: %v", err)
	}
}

// series renders every series matching ms in [mint, maxt] as
// "labels: t=v t=v", so failures print readably.
func series(t *testing.T, q promstorage.Queryable, mint, maxt int64, ms ...*labels.Matcher) []string {
	t.Helper()
	qr, err := q.Querier(mint, maxt)
	if err != nil {
		t.Fatalf("Querier: %v", err)
	}
	defer qr.Close()
	set := qr.Select(context.Background(), true, nil, ms...)
	var out []string
	for set.Next() {
		s := set.At()
		line := s.Labels().String() + ":"
		it := s.Iterator(nil)
		for it.Next() != 0 {
			ts, v := it.At()
			line += fmt.Sprintf(" %d=%s", ts, fmtValue(v))
		}
		if err := it.Err(); err != nil {
			t.Fatalf("iterating %s: %v", s.Labels(), err)
		}
		out = append(out, line)
	}
	if err := set.Err(); err != nil {
		t.Fatalf("Select: %v", err)
	}
	return out
}

func fmtValue(v float64) string {
	if value.IsStaleNaN(v) {
		return "stale"
	}
	return fmt.Sprint(v)
}

func eq(name, val string) *labels.Matcher {
	return labels.MustNewMatcher(labels.MatchEqual, name, val)
}

func wantSeries(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("series mismatch\n got: %q\nwant: %q", got, want)
	}
}

func reqs(code string, ts int64, v float64) storage.Sample {
	return storage.Sample{
		Labels: labels.FromStrings("__name__", "istio_requests_total", "destination_service", "reviews", "response_code", code),
		T:      ts, V: v,
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	b := open(t, h)
	mustAppend(t, b, []storage.Sample{reqs("200", 1000, 1), reqs("503", 1000, 2), reqs("200", 2000, 3.5)})
	got := series(t, b, 0, 10000, eq("__name__", "istio_requests_total"))
	wantSeries(t, got,
		`{__name__="istio_requests_total", destination_service="reviews", response_code="200"}: 1000=1 2000=3.5`,
		`{__name__="istio_requests_total", destination_service="reviews", response_code="503"}: 1000=2`)
	// The time range bounds samples, inclusive at both ends.
	got = series(t, b, 2000, 2000, eq("response_code", "200"))
	wantSeries(t, got, `{__name__="istio_requests_total", destination_service="reviews", response_code="200"}: 2000=3.5`)
}

func testMatchers(t *testing.T, h Harness) {
	b := open(t, h)
	mustAppend(t, b, []storage.Sample{reqs("200", 1000, 1), reqs("404", 1000, 1), reqs("503", 1000, 1)})
	name := eq("__name__", "istio_requests_total")
	cases := []struct {
		m    *labels.Matcher
		want int
	}{
		{labels.MustNewMatcher(labels.MatchEqual, "response_code", "404"), 1},
		{labels.MustNewMatcher(labels.MatchNotEqual, "response_code", "404"), 2},
		{labels.MustNewMatcher(labels.MatchRegexp, "response_code", "[45].."), 2},
		{labels.MustNewMatcher(labels.MatchNotRegexp, "response_code", "5.*"), 2},
		{labels.MustNewMatcher(labels.MatchEqual, "response_code", `2"00'; --`), 0},
	}
	for _, c := range cases {
		if got := series(t, b, 0, 5000, name, c.m); len(got) != c.want {
			t.Errorf("matcher %s: got %d series %q, want %d", c.m, len(got), got, c.want)
		}
	}
}

func testLabelIndex(t *testing.T, h Harness) {
	b := open(t, h)
	mustAppend(t, b, []storage.Sample{reqs("200", 1000, 1), reqs("503", 1000, 1)})
	q, err := b.Querier(0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	names, _, err := q.LabelNames(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSeries(t, names, "__name__", "destination_service", "response_code")
	vals, _, err := q.LabelValues(context.Background(), "response_code", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSeries(t, vals, "200", "503")
}

func testStaleness(t *testing.T, h Harness) {
	b := open(t, h)
	mustAppend(t, b, []storage.Sample{reqs("200", 1000, 1)})
	mustAppend(t, b, []storage.Sample{reqs("200", 2000, math.Float64frombits(value.StaleNaN))})
	got := series(t, b, 0, 5000, eq("response_code", "200"))
	wantSeries(t, got, `{__name__="istio_requests_total", destination_service="reviews", response_code="200"}: 1000=1 2000=stale`)
}

func testRejectKeepsRest(t *testing.T, h Harness) {
	b := open(t, h)
	mustAppend(t, b, []storage.Sample{reqs("200", 5000, 1)})
	err := b.AppendSamples(context.Background(), []storage.Sample{reqs("200", 1000, 9), reqs("503", 1000, 2)})
	if err == nil {
		t.Fatal("an out-of-order sample was accepted without an error")
	}
	var rej *storage.RejectedError
	if !errors.As(err, &rej) || rej.Rejected != 1 {
		t.Fatalf("got %v, want a *storage.RejectedError for 1 sample", err)
	}
	got := series(t, b, 0, 10000, eq("__name__", "istio_requests_total"))
	wantSeries(t, got,
		`{__name__="istio_requests_total", destination_service="reviews", response_code="200"}: 5000=1`,
		`{__name__="istio_requests_total", destination_service="reviews", response_code="503"}: 1000=2`)
}

func testReplay(t *testing.T, h Harness) {
	b := open(t, h)
	batch := []storage.Sample{reqs("200", 1000, 1), reqs("200", 2000, 2)}
	mustAppend(t, b, batch)
	if err := b.AppendSamples(context.Background(), batch); err != nil {
		var rej *storage.RejectedError
		if !errors.As(err, &rej) {
			t.Fatalf("replay failed with %v, want nil or a *storage.RejectedError", err)
		}
	}
	got := series(t, b, 0, 5000, eq("response_code", "200"))
	wantSeries(t, got, `{__name__="istio_requests_total", destination_service="reviews", response_code="200"}: 1000=1 2000=2`)
}

func testConcurrent(t *testing.T, h Harness) {
	b := open(t, h)
	const writers, perWriter = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				s := reqs(fmt.Sprint(w), int64(i+1)*1000, float64(i))
				if err := b.AppendSamples(context.Background(), []storage.Sample{s}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := series(t, b, 0, perWriter*1000, eq("__name__", "istio_requests_total"))
	if len(got) != writers {
		t.Fatalf("got %d series, want %d", len(got), writers)
	}
}

func testDurable(t *testing.T, h Harness) {
	b := h.Open(t)
	mustAppend(t, b, []storage.Sample{reqs("200", 1000, 1), reqs("200", 2000, 2)})
	b = reopen(t, h, b)
	got := series(t, b, 0, 5000, eq("response_code", "200"))
	wantSeries(t, got, `{__name__="istio_requests_total", destination_service="reviews", response_code="200"}: 1000=1 2000=2`)
}

func testMetadata(t *testing.T, h Harness) {
	b := open(t, h)
	ms := as[storage.MetadataStore](t, b, "a MetadataStore")
	ctx := context.Background()
	in := []storage.Metadata{
		{Metric: "istio_requests_total", Type: "counter", Help: "Requests."},
		{Metric: "istio_request_duration_milliseconds", Type: "histogram", Help: "Duration.", Unit: "milliseconds"},
		{Metric: "istio_requests_total", Type: "counter", Help: "Requests."},
	}
	if err := ms.UpdateMetadata(ctx, in); err != nil {
		t.Fatal(err)
	}
	all, err := ms.Metadata(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || len(all["istio_requests_total"]) != 1 {
		t.Fatalf("metadata = %v, want 2 families, one entry each", all)
	}
	one, err := ms.Metadata(ctx, "istio_request_duration_milliseconds", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := one["istio_request_duration_milliseconds"]; len(one) != 1 || got[0].Unit != "milliseconds" {
		t.Fatalf("metadata(one) = %v", one)
	}
	limited, _ := ms.Metadata(ctx, "", 1, 0)
	if len(limited) != 1 {
		t.Fatalf("limit 1 gave %d families", len(limited))
	}
}
