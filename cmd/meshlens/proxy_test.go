package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
)

func TestProxyCommand(t *testing.T) {
	dir := t.TempDir()
	admin := testutil.FreeAddr(t)
	os.WriteFile(filepath.Join(dir, "registry.yaml"), []byte("services:\n- name: details\n  ports: [{port: 9080}]\n"), 0o644)
	good := fmt.Sprintf("listeners: {outbound: %q, inbound: 'off', admin: %q}\nregistry: registry.yaml\nidentity: {service: loadgen}\ntelemetry: {access_log: {output: 'off'}}\n",
		testutil.FreeAddr(t), admin)
	os.WriteFile(filepath.Join(dir, "proxy.yaml"), []byte(good), 0o644)
	bad := strings.Replace(good, "telemetry: {access_log: {output: 'off'}}", "telemetry: {tracing: {sampling_percent: 150}}", 1)
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o644)

	cmd := newRootCommand()
	cmd.SetArgs([]string{"proxy", "--config", filepath.Join(dir, "bad.yaml")})
	cmd.SetErr(new(strings.Builder))
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "telemetry.tracing.sampling_percent") {
		t.Fatalf("bad config: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cmd = newRootCommand()
	cmd.SetArgs([]string{"proxy", "--config", filepath.Join(dir, "proxy.yaml")})
	cmd.SetErr(new(strings.Builder))
	go func() { done <- cmd.ExecuteContext(ctx) }()
	testutil.WaitFor(t, "proxy admin /ready", 30*time.Second, func() error { return testutil.HTTPOK("http://" + admin + "/ready") })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("proxy exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("proxy did not stop")
	}
}
