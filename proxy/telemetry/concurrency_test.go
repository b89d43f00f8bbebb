package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse runs requests, TCP connections and scrapes from many
// goroutines at once (run with -race), then checks nothing was lost.
func TestConcurrentUse(t *testing.T) {
	z := &zipkinCollector{}
	srv := httptest.NewServer(z)
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.Identity = Identity{Workload: "productpage-v1", Namespace: "default", App: "productpage", Version: "v1"}
	cfg.AccessLog = AccessLogConfig{Output: OutputFile, Path: filepath.Join(t.TempDir(), "a.log"), FlushInterval: time.Millisecond}
	cfg.Tracing.ZipkinEndpoint = srv.URL + "/api/v2/spans"
	cfg.Tracing.BatchInterval = time.Millisecond
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				dir := Outbound
				if (w+i)%2 == 0 {
					dir = Inbound
				}
				o := tel.Begin(dir, http.Header{})
				r := sampleRecords()[i%4]
				r.RequestID = ""
				o.Finish(&r)
				if i%50 == 0 {
					c := tel.OpenTCP(Outbound, Peer{}, reviewsV2)
					c.Add(1, 2)
					c.Close(&Record{BytesSent: 3, BytesReceived: 4})
				}
			}
		}()
	}
	stats := httptest.NewServer(tel.Handler())
	defer stats.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			resp, err := http.Get(stats.URL + StatsPath)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("scrape: %s", resp.Status)
				return
			}
		}
	}()
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tel.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := tel.Stats()
	const tcp = workers * perWorker / 50
	if st.AccessLog.Lines != workers*perWorker+tcp || st.AccessLog.Dropped != 0 {
		t.Fatalf("access log stats %+v", st.AccessLog)
	}
	if spans, _ := z.snapshot(); len(spans) != workers*perWorker || st.Spans.Dropped != 0 {
		t.Fatalf("collector got %d spans, stats %+v", len(spans), st.Spans)
	}
}
