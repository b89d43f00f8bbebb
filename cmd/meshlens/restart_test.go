package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/meshapi"
)

// TestAccessLogRestartExactlyOnce kills `meshlens serve` (SIGKILL) while a
// file it follows is being appended to, starts it again, and checks that
// every line is stored exactly once: none missing, none doubled.
func TestAccessLogRestartExactlyOnce(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "envoy.log")
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	queryAddr := testutil.FreeAddr(t)
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fileLogsConfig(dir, queryAddr, logPath, "{service: reviews}")), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := func() error { return testutil.HTTPOK("http://" + queryAddr + "/api/v1/status/buildinfo") }

	const total = 3000
	var mu sync.Mutex
	written := 0
	appendLines := func(n int) {
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for range n {
			mu.Lock()
			i := written
			written++
			mu.Unlock()
			ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
			fmt.Fprintf(f, `[%s] "GET /item/%d HTTP/1.1" 200 - via_upstream - "-" 0 42 3 2 "-" "test" "req-%06d" `+
				`"reviews:9080" "10.0.0.2:9080" outbound|9080|v1|ratings.default.svc.cluster.local 10.0.0.1:40000 `+
				"10.0.0.2:9080 10.0.0.1:50000 - default\n", ts, i, i)
			if i%50 == 0 {
				time.Sleep(time.Millisecond) // spread the writes so the kill lands mid-stream
			}
		}
	}

	p := testutil.StartProcess(t, ready, bin, "serve", "--config", cfg)
	done := make(chan struct{})
	go func() { defer close(done); appendLines(total / 2) }()
	// Kill while lines are still arriving and being stored.
	testutil.WaitFor(t, "some lines stored", 30*time.Second, func() error {
		if n := countRecords(t, queryAddr); n < 200 {
			return fmt.Errorf("%d stored", n)
		}
		return nil
	})
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	appendLines(total / 4) // written while meshlens is down

	testutil.StartProcess(t, ready, bin, "serve", "--config", cfg)
	appendLines(total - total/2 - total/4)

	testutil.WaitFor(t, "every line stored", 60*time.Second, func() error {
		if n := countRecords(t, queryAddr); n < total {
			return fmt.Errorf("%d of %d stored", n, total)
		}
		return nil
	})
	var recs []meshapi.Record
	getJSON(t, "http://"+queryAddr+meshapi.Prefix+"logs?"+url.Values{
		"start": {"0"}, "end": {"4102444800"}, "limit": {"10000"}}.Encode(), &recs)
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.RequestID]++
	}
	for i := range total {
		if n := seen[fmt.Sprintf("req-%06d", i)]; n != 1 {
			t.Errorf("line %d stored %d times, want exactly once", i, n)
		}
	}
	if len(recs) != total {
		t.Errorf("%d records stored, want %d", len(recs), total)
	}
}

// countRecords asks RED by service for the number of stored requests.
func countRecords(t *testing.T, queryAddr string) int64 {
	var red meshapi.REDAnswer
	getJSON(t, "http://"+queryAddr+meshapi.Prefix+"red?by=service&start=0&end=4102444800", &red)
	var n int64
	for _, r := range red.Rows {
		n += r.Requests
	}
	return n
}
