package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/otelcol"

	"github.com/meshlens/meshlens/internal/testutil"
)

// startMeshlens runs `meshlens serve` in-process with the given YAML config
// and returns once its query API answers; it is shut down at cleanup.
func startMeshlens(t testing.TB, yaml, queryAddr string) {
	t.Helper()
	set := collectorSettings()
	set.ConfigProviderSettings.ResolverSettings.URIs = []string{"yaml:" + yaml}
	set.DisableGracefulShutdown = true
	col, err := otelcol.NewCollector(set)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var runErr error
	go func() { runErr = col.Run(context.Background()); close(done) }()
	t.Cleanup(func() {
		col.Shutdown()
		select {
		case <-done:
			if runErr != nil {
				t.Errorf("meshlens serve: %v", runErr)
			}
		case <-time.After(30 * time.Second):
			t.Error("meshlens serve did not stop within 30s")
		}
	})
	testutil.WaitFor(t, "meshlens query API", 60*time.Second, func() error {
		select {
		case <-done:
			t.Fatalf("meshlens serve exited: %v", runErr)
		default:
		}
		// The query API is an extension, up before the receivers start:
		// wait for the whole collector, so callers can send at once.
		if st := col.GetState(); st != otelcol.StateRunning {
			return fmt.Errorf("collector state %v", st)
		}
		return testutil.HTTPOK("http://" + queryAddr + "/api/v1/status/buildinfo")
	})
}

// testConfig is a `meshlens serve` config with storage under dataDir, the
// query API on queryAddr, and the given receivers and pipelines (YAML
// bodies, indented as under `receivers:` and `pipelines:`).
func testConfig(dataDir, queryAddr, receivers, pipelines string) string {
	return fmt.Sprintf(`
extensions:
  meshlens_storage: {embedded: {path: %q}}
  meshlens_query: {endpoint: %q, lookback_delta: 5m}
receivers:
%s
exporters:
  meshlens: {}
service:
  extensions: [meshlens_storage, meshlens_query]
  pipelines:
%s
  telemetry: {metrics: {level: none}, logs: {level: warn}}
`, dataDir, queryAddr, receivers, pipelines)
}
