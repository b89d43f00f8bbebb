package testutil

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a subprocess started by a test.
type Process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	logs   bytes.Buffer
	exited chan struct{}
	err    error
}

// Write collects the process' output (it is the cmd's Stdout and Stderr).
func (p *Process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

// Logs returns what the process printed so far.
func (p *Process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// StartProcess runs bin with args and waits until ready returns nil,
// failing the test if the process exits first. At cleanup the process gets
// SIGTERM (then SIGKILL after 20s), and its output is logged if the test
// failed.
func StartProcess(t testing.TB, ready func() error, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		if !p.Exited() {
			p.Stop(t)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), p.Logs())
		}
	})
	WaitFor(t, filepath.Base(bin)+" ready", 60*time.Second, func() error {
		if p.Exited() {
			t.Fatalf("%s exited early: %v\n%s", bin, p.err, p.Logs())
		}
		return ready()
	})
	return p
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM and waits up to 20s (then kills), returning the exit
// error: nil for a clean exit.
func (p *Process) Stop(t testing.TB) error {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("%s did not stop within 20s of SIGTERM", p.cmd.Path)
		return p.err
	}
}

// StartPrometheus runs Debian's prometheus server on loopback with the
// given prometheus.yml and returns its address. `make test` installs it;
// without it the test fails rather than skips.
func StartPrometheus(t testing.TB, config string) string {
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
	addr := FreeAddr(t)
	StartProcess(t, func() error { return HTTPOK("http://" + addr + "/-/ready") }, bin,
		"--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	return addr
}

// Kill sends SIGKILL, as a crash would, and waits for the process to end.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Kill(); err != nil {
		return err
	}
	<-p.exited
	return nil
}
