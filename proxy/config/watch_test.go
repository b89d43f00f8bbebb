package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testRegistry = "services:\n- name: reviews\n  ports: [{name: http, port: 9080}]\n  endpoints: [{address: 127.0.0.1}]\n"

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	// Write then rename, as editors and kubectl-style tools do.
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatcherHotReload(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry.yaml")
	istio := filepath.Join(dir, "istio")
	os.Mkdir(istio, 0o755)
	writeFile(t, reg, testRegistry)
	vs := func(timeout string) string {
		return vsHead + "  hosts: [reviews]\n  http:\n  - timeout: " + timeout + "\n    route:\n    - destination: {host: reviews}\n"
	}
	writeFile(t, filepath.Join(istio, "reviews.yaml"), vs("1s"))

	var applied atomic.Int64
	w, err := NewWatcher(Source{RegistryFile: reg, IstioDir: istio}, func(s *Snapshot) error {
		applied.Store(s.Version)
		return nil
	}, nil, time.Hour) // only fsnotify can trigger reloads in this test
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	timeout := func() time.Duration {
		return w.Current().Istio.VirtualServices[0].Spec.Http[0].Timeout.AsDuration()
	}
	if applied.Load() != 1 || timeout() != time.Second {
		t.Fatalf("initial: version %d timeout %v", applied.Load(), timeout())
	}
	// Give fsnotify its watches before the first change (Run starts async).
	waitFor(t, "watch to start", func() bool {
		writeFile(t, filepath.Join(istio, "reviews.yaml"), vs("2s"))
		return applied.Load() == 2
	})
	if timeout() != 2*time.Second {
		t.Fatalf("after good change: timeout %v", timeout())
	}

	// A bad file is rejected with a precise error; version 2 keeps serving.
	writeFile(t, filepath.Join(istio, "reviews.yaml"), vs("soon"))
	waitFor(t, "rejection", func() bool { return w.LastError() != nil })
	if e := w.LastError().Error(); !strings.Contains(e, "reviews.yaml") || !strings.Contains(e, "spec.http[0].timeout") {
		t.Errorf("error = %q", e)
	}
	if applied.Load() != 2 || timeout() != 2*time.Second {
		t.Fatalf("bad change applied: version %d timeout %v", applied.Load(), timeout())
	}

	// A bad registry is rejected too.
	writeFile(t, filepath.Join(istio, "reviews.yaml"), vs("3s"))
	waitFor(t, "fix", func() bool { return applied.Load() == 3 })
	writeFile(t, reg, "services:\n- name: reviews\n")
	waitFor(t, "registry rejection", func() bool { return w.LastError() != nil })
	if e := w.LastError().Error(); !strings.Contains(e, "services[0].ports") {
		t.Errorf("error = %q", e)
	}
	writeFile(t, reg, testRegistry+"- name: ratings\n  ports: [{port: 9080}]\n")
	waitFor(t, "registry fix", func() bool { return applied.Load() == 4 })
	if w.LastError() != nil || len(w.Current().Registry.Services) != 2 || timeout() != 3*time.Second {
		t.Fatalf("after fix: err %v, %d services", w.LastError(), len(w.Current().Registry.Services))
	}
}

func TestWatcherApplyRejects(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry.yaml")
	writeFile(t, reg, testRegistry)
	reject := false
	w, err := NewWatcher(Source{RegistryFile: reg}, func(*Snapshot) error {
		if reject {
			return os.ErrInvalid
		}
		return nil
	}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	reject = true
	writeFile(t, reg, testRegistry+"- name: ratings\n  ports: [{port: 9080}]\n")
	w.Check()
	if w.LastError() == nil || w.Current().Version != 1 || len(w.Current().Registry.Services) != 1 {
		t.Fatalf("rejected apply changed state: %v %d", w.LastError(), w.Current().Version)
	}
	w.Check() // unchanged content: no new attempt
	if w.Attempts() != 1 {
		t.Fatalf("attempts = %d", w.Attempts())
	}
}

func TestNewWatcherFailsOnBadConfig(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry.yaml")
	writeFile(t, reg, "services:\n- name: x\n  ports: [{port: 0}]\n")
	_, err := NewWatcher(Source{RegistryFile: reg}, func(*Snapshot) error { return nil }, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "services[0].ports[0].port") || !strings.Contains(err.Error(), reg) {
		t.Fatalf("err = %v", err)
	}
}
