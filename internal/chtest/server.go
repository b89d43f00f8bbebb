// Package chtest starts private ClickHouse servers for tests: one
// clickhouse-server process on loopback, with its own data directory and
// free ports, and a fresh database per test.
//
// Tests call Shared (one server per test binary, stopped by RunMain) and
// NewDatabase. When no server can be started the tests are skipped, except
// with CI=true, where they fail: CI must run them. MESHLENS_CLICKHOUSE_ADDR
// (host:port of the native protocol) uses an existing server instead.
package chtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Server is a private clickhouse-server process. Its data directory and
// ports stay the same across Stop and Start, so a restarted server has the
// same data at the same address.
type Server struct {
	// Addr is the native-protocol address, host:port.
	Addr string

	bin       string
	dir       string
	httpPort  int
	interPort int
	cred      *syscall.Credential

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// findBinary locates clickhouse-server (Debian ships /usr/sbin).
func findBinary() (string, error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chtest: clickhouse-server not found (install Debian's clickhouse-server: deploy/dev/install-deps.sh)")
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NewServer prepares (but does not start) a server whose data lives in dir.
// When running as root, the server runs as the `clickhouse` user (ClickHouse
// refuses a data directory owned by another user), and dir is handed to it.
func NewServer(dir string) (*Server, error) {
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	var ports [3]int
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, fmt.Errorf("chtest: picking a port: %w", err)
		}
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), bin: bin, dir: dir,
		httpPort: ports[1], interPort: ports[2]}
	for _, sub := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("chtest: %w", err)
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("clickhouse")
		if err != nil {
			return nil, fmt.Errorf("chtest: running as root and there is no clickhouse user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := chownTree(dir, uid, gid); err != nil {
			return nil, err
		}
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return s, nil
}

func chownTree(dir string, uid, gid int) error {
	// The parents must be traversable by the clickhouse user too.
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(p, fi.Mode().Perm()|0o011)
		}
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func (s *Server) args() []string {
	d := func(sub string) string { return filepath.Join(s.dir, sub) + "/" }
	_, port, _ := net.SplitHostPort(s.Addr)
	return []string{
		"--config-file=/etc/clickhouse-server/config.xml", "--",
		"--tcp_port=" + port,
		"--http_port=" + strconv.Itoa(s.httpPort),
		"--interserver_http_port=" + strconv.Itoa(s.interPort),
		"--listen_host=127.0.0.1",
		"--path=" + d("data"),
		"--tmp_path=" + d("tmp"),
		"--user_files_path=" + d("user_files"),
		"--format_schema_path=" + d("format_schemas"),
		"--logger.log=" + filepath.Join(s.dir, "log", "server.log"),
		"--logger.errorlog=" + filepath.Join(s.dir, "log", "server.err.log"),
		"--logger.level=warning",
		// The stock config's one-shard cluster points at port 9000; aim it
		// at this server, so tests can run the cluster schema (Distributed
		// tables) against it.
		"--remote_servers.test_shard_localhost.shard.replica.host=127.0.0.1",
		"--remote_servers.test_shard_localhost.shard.replica.port=" + port,
	}
}

// Start starts the server process and waits (up to a minute) until it
// answers a native-protocol ping.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.cmd != nil && !s.exited() {
		s.mu.Unlock()
		return errors.New("chtest: server already running")
	}
	cmd := exec.Command(s.bin, s.args()...)
	cmd.Dir = s.dir
	// Pdeathsig: a test binary killed by its timeout takes the server along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	out, err := os.OpenFile(filepath.Join(s.dir, "log", "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("chtest: %w", err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		s.mu.Unlock()
		return fmt.Errorf("chtest: starting %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	s.cmd, s.done = cmd, done
	go func() {
		err := cmd.Wait()
		out.Close()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(done)
	}()
	s.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := s.ping()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("chtest: clickhouse-server exited early (%v); see %s", s.err, filepath.Join(s.dir, "log"))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return fmt.Errorf("chtest: clickhouse-server not ready within 60s: %w", err)
		}
	}
}

func (s *Server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *Server) ping() error {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr}, DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return conn.Ping(ctx)
}

// Stop ends the server with SIGTERM (SIGKILL after 30s) and waits for it.
func (s *Server) Stop() error { return s.signal(syscall.SIGTERM, 30*time.Second) }

// Kill ends the server with SIGKILL, as a crash, and waits for it.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL, 30*time.Second) }

func (s *Server) signal(sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
	return nil
}

// Dir is the server's data directory.
func (s *Server) Dir() string { return s.dir }
