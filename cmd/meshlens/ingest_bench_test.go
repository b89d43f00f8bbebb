package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// BenchmarkZipkinHTTPIngest is Zipkin ingest end to end, as proxies drive
// it: `meshlens serve` in-process with the embedded backend, and batches
// of 2,000 Envoy spans POSTed as v2 JSON to the zipkin receiver, which
// answers 202 once the exporter has stored them (spans, request-id and
// trace-id indexes, rollups). spans/cpu-s is per CPU-second of the whole
// process, the HTTP client's sending included and the making of the
// batches excluded; the goal (issue 4) is at least 30k.
func BenchmarkZipkinHTTPIngest(b *testing.B) {
	queryAddr, zipkinAddr := testutil.FreeAddr(b), testutil.FreeAddr(b)
	startMeshlens(b, testConfig(b.TempDir(), queryAddr,
		fmt.Sprintf("  zipkin: {endpoint: %q}", zipkinAddr),
		"    traces: {receivers: [zipkin], exporters: [meshlens]}"), queryAddr)
	const n = 2_000
	url := "http://" + zipkinAddr + "/api/v2/spans"
	start := time.Now().UTC().Add(-time.Hour)
	testutil.BenchBatches(b, n, "spans",
		func(i int) []byte { return storagetest.EnvoyZipkinBatch(n, start.Add(time.Duration(i)*time.Second)) }, // fresh ids each batch
		func(body []byte) error {
			resp, err := http.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				return fmt.Errorf("POST %s: %s %s", url, resp.Status, msg)
			}
			return nil
		})
}
