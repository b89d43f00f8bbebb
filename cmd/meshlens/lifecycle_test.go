package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	"github.com/golang/snappy"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/prompb"

	"github.com/meshlens/meshlens/internal/testutil"
)

// buildBinary builds bin/meshlens into a temp dir once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "meshlens")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func remoteWrite(t *testing.T, addr string, ts []prompb.TimeSeries) {
	t.Helper()
	if code, msg := postRemoteWrite(t, addr, ts); code != http.StatusNoContent {
		t.Fatalf("remote write: %d: %s", code, msg)
	}
}

// postRemoteWrite sends one remote-write 1.0 request and returns the status
// and body.
func postRemoteWrite(t *testing.T, addr string, ts []prompb.TimeSeries) (int, string) {
	t.Helper()
	raw, err := proto.Marshal(&prompb.WriteRequest{Timeseries: ts})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/write", bytes.NewReader(snappy.Encode(nil, raw)))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// TestServeBinaryLifecycle runs the real binary: `version`, a bad config
// that must fail naming the field, and a SIGTERM after remote-written data
// was acknowledged, which must be there after a restart.
func TestServeBinaryLifecycle(t *testing.T) {
	bin := buildBinary(t)

	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "meshlens ") {
		t.Fatalf("meshlens version = %q, %v", out, err)
	}

	// The built-in config (no --config) is valid as shipped.
	if out, err := exec.Command(bin, "serve", "validate").CombinedOutput(); err != nil {
		t.Fatalf("meshlens serve validate (built-in config): %v\n%s", err, out)
	}

	// --set alone layers on the built-in config (here: moving every port
	// off its default, so the test does not depend on them being free).
	setDir := t.TempDir()
	setQuery := testutil.FreeAddr(t)
	sets := []string{"serve",
		"--set=extensions::meshlens_query::endpoint=" + setQuery,
		"--set=extensions::meshlens_storage::embedded::path=" + filepath.Join(setDir, "data"),
		"--set=receivers::prometheus_remote_write::endpoint=" + testutil.FreeAddr(t),
		"--set=receivers::envoyaccesslog::grpc::endpoint=" + testutil.FreeAddr(t),
		"--set=receivers::envoyaccesslog::checkpoint_dir=" + filepath.Join(setDir, "ckpt"),
		"--set=receivers::zipkin::endpoint=" + testutil.FreeAddr(t),
		"--set=receivers::otlp::protocols::grpc::endpoint=" + testutil.FreeAddr(t),
		"--set=receivers::otlp::protocols::http::endpoint=" + testutil.FreeAddr(t),
		"--set=service::telemetry::metrics::level=none",
	}
	p := testutil.StartProcess(t, func() error {
		return testutil.HTTPOK("http://" + setQuery + "/api/v1/status/buildinfo")
	}, bin, sets...)
	if err := p.Stop(t); err != nil {
		t.Fatalf("built-in config with --set: %v\n%s", err, p.Logs())
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(remoteWriteConfig(dir, "127.0.0.1:1", "127.0.0.1:2"),
		"lookback_delta: 5m", "lookback_delta: -5m", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "serve", "--config", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "lookback_delta") {
		t.Fatalf("bad config: err=%v, output does not name lookback_delta:\n%s", err, out)
	}

	queryAddr, rwAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	cfg := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(cfg, []byte(remoteWriteConfig(filepath.Join(dir, "data"), queryAddr, rwAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var series []prompb.TimeSeries
	for i := range 100 {
		series = append(series, prompb.TimeSeries{
			Labels:  []prompb.Label{{Name: "__name__", Value: "lifecycle_total"}, {Name: "i", Value: fmt.Sprint(i)}},
			Samples: []prompb.Sample{{Timestamp: now.UnixMilli(), Value: float64(i)}},
		})
	}

	runServe(t, bin, cfg, queryAddr, func() {
		remoteWrite(t, rwAddr, series)
		// Older samples are refused by the TSDB: that is permanent, so the
		// sender must get a 400 (not a 5xx it would retry forever).
		old := []prompb.TimeSeries{{Labels: series[0].Labels,
			Samples: []prompb.Sample{{Timestamp: now.Add(-time.Hour).UnixMilli(), Value: 1}}}}
		if code, msg := postRemoteWrite(t, rwAddr, old); code != http.StatusBadRequest || !strings.Contains(msg, "out of") {
			t.Errorf("out-of-order write answered %d %q, want 400 naming the out-of-order sample", code, msg)
		}
	})
	runServe(t, bin, cfg, queryAddr, func() {
		v, _, _, err := newAPI(t, queryAddr).Query(context.Background(), `count(lifecycle_total)`, now)
		if err != nil {
			t.Fatal(err)
		}
		if vec, ok := v.(model.Vector); !ok || len(vec) != 1 || vec[0].Value != 100 {
			t.Fatalf("after restart count(lifecycle_total) = %v, want 100", v)
		}
	})
}

// runServe starts the binary, waits for its API, runs f, then sends
// SIGTERM and expects a clean exit.
func runServe(t *testing.T, bin, cfg, queryAddr string, f func()) {
	t.Helper()
	p := testutil.StartProcess(t, func() error {
		return testutil.HTTPOK("http://" + queryAddr + "/api/v1/status/buildinfo")
	}, bin, "serve", "--config", cfg)
	f()
	if err := p.Stop(t); err != nil {
		t.Fatalf("meshlens serve exited with %v after SIGTERM:\n%s", err, p.Logs())
	}
}

func remoteWriteConfig(dataDir, queryAddr, rwAddr string) string {
	return testConfig(dataDir, queryAddr, fmt.Sprintf("  prometheus_remote_write: {endpoint: %q}", rwAddr),
		"    metrics: {receivers: [prometheus_remote_write], exporters: [meshlens]}")
}
