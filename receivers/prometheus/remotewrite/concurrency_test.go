package remotewrite

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// TestConcurrentRequests: pooled request state must not leak between
// requests served at the same time (run with -race).
func TestConcurrentRequests(t *testing.T) {
	h, s := newTestHandler(t, Config{})
	series := istioSeries(300)
	bodies := []struct {
		contentType string
		body        []byte
		status      int
	}{
		{ContentTypeV1, encode(t, v1Request(series)), http.StatusNoContent},
		{ContentTypeV2, encode(t, v2Request(series)), http.StatusNoContent},
		{ContentTypeV1, encode(t, v1Raw("b", "1", "a", "2")), http.StatusBadRequest},
	}
	const workers, perWorker = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				b := bodies[(w+i)%len(bodies)]
				if got := post(h, b.contentType, "snappy", b.body); got.Code != b.status {
					errs <- fmt.Errorf("status %d, want %d: %s", got.Code, b.status, got.Body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := expectedRows(series)
	mds := s.take()
	for _, md := range mds {
		got, _ := rows(t, []pmetric.Metrics{md})
		sameRows(t, got, want)
	}
	if st := h.Stats(); st.Requests != workers*perWorker || int(st.SamplesAccepted) != len(mds)*len(want) {
		t.Errorf("stats %+v for %d consumed requests", st, len(mds))
	}
}
