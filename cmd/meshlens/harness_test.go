package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/otelcol"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitFor polls cond until it returns nil or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
}

func httpOK(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

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
	waitFor(t, "meshlens query API", 60*time.Second, func() error {
		select {
		case <-done:
			t.Fatalf("meshlens serve exited: %v", runErr)
		default:
		}
		return httpOK("http://" + queryAddr + "/api/v1/status/buildinfo")
	})
}

// startPrometheus runs Debian's prometheus server on loopback with the
// given prometheus.yml. `make test` installs it; without it the test fails.
func startPrometheus(t *testing.T, config string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus server not found (make test installs Debian's prometheus): %v", err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})
	waitFor(t, "prometheus ready", 60*time.Second, func() error {
		select {
		case <-exited:
			t.Fatalf("prometheus exited: %v\n%s", waitErr, logs.String())
		default:
		}
		return httpOK("http://" + addr + "/-/ready")
	})
	return addr
}
