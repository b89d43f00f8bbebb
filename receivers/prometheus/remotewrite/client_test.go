package remotewrite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	remoteapi "github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/prometheus/model/labels"
)

// TestPrometheusClient sends through client_golang's remote-write client
// (github.com/prometheus/client_golang/exp/api/remote), which encodes,
// compresses, negotiates and reads the 2.0 written-count headers itself.
func TestPrometheusClient(t *testing.T) {
	h, s := newTestHandler(t, Config{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	api, err := remoteapi.NewAPI(srv.URL,
		remoteapi.WithAPIHTTPClient(srv.Client()),
		remoteapi.WithAPIBackoff(remoteapi.BackoffConfig{Min: time.Millisecond, Max: time.Millisecond, MaxRetries: 1}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	series := fixedSeries()

	if _, err := api.Write(ctx, remoteapi.WriteV1MessageType, v1Request(series)); err != nil {
		t.Fatalf("1.0 write: %v", err)
	}
	got, _ := rows(t, s.take())
	sameRows(t, got, expectedRows(series))

	stats, err := api.Write(ctx, remoteapi.WriteV2MessageType, v2Request(series))
	if err != nil {
		t.Fatalf("2.0 write: %v", err)
	}
	if want := len(expectedRows(series)); stats.Samples != want || stats.Histograms != 0 || stats.Exemplars != 0 {
		t.Errorf("2.0 written stats %+v, want %d samples", stats, want)
	}
	got, _ = rows(t, s.take())
	sameRows(t, got, expectedRows(series))

	// A partial write: the client sees the 400 and what was written.
	partial := append(fixedSeries()[:1], promSeries{labels: labels.FromStrings(labels.MetricName, "nh"), histograms: 1})
	stats, err = api.Write(ctx, remoteapi.WriteV2MessageType, v2Request(partial))
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "native histogram") {
		t.Errorf("partial 2.0 write: err %v, want a 400 naming the native histogram", err)
	}
	if stats.Samples != 3 {
		t.Errorf("partial 2.0 write: %d samples written, want 3", stats.Samples)
	}
	s.take()

	// The client retries a 503 and gives up after its retries.
	s.err = Retryable(context.DeadlineExceeded)
	var retries int
	_, err = api.Write(ctx, remoteapi.WriteV1MessageType, v1Request(series), remoteapi.WithWriteRetryCallback(func(error) { retries++ }))
	if err == nil || retries != 1 {
		t.Errorf("on 503: err %v after %d retries, want an error after 1 retry", err, retries)
	}
	if st := h.Stats(); st.Rejected[ReasonConsumeRetryable] != 2 {
		t.Errorf("503s counted %d, want 2", st.Rejected[ReasonConsumeRetryable])
	}
	var _ http.Handler = h
}
