package main

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/otelcol"

	"github.com/meshlens/meshlens/internal/testutil"
)

// startMeshlens runs `meshlens serve` in-process with the given YAML config
// and returns once its query API answers; it is shut down at cleanup.
func startMeshlens(t *testing.T, yaml, queryAddr string) {
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
		return testutil.HTTPOK("http://" + queryAddr + "/api/v1/status/buildinfo")
	})
}
