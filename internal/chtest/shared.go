package chtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// EnvAddr names an existing server to use instead of starting one.
const EnvAddr = "MESHLENS_CLICKHOUSE_ADDR"

var (
	sharedOnce sync.Once
	shared     *Server
	sharedAddr string
	sharedErr  error
	sharedDir  string
	dbCounter  atomic.Int64
)

// RunMain runs the tests and then stops the shared server, if one was
// started, and removes its directory. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(chtest.RunMain(m)) }
func RunMain(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		_ = shared.Stop()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	return code
}

// Shared returns the native-protocol address of the test binary's server,
// starting it on first use. Without a server the test is skipped, or fails
// when CI=true.
func Shared(tb testing.TB) string {
	tb.Helper()
	sharedOnce.Do(func() {
		if a := os.Getenv(EnvAddr); a != "" {
			sharedAddr = a
			return
		}
		dir, err := os.MkdirTemp("", "meshlens-clickhouse-")
		if err != nil {
			sharedErr = err
			return
		}
		sharedDir = dir
		s, err := NewServer(dir)
		if err != nil {
			sharedErr = err
			return
		}
		if err := s.Start(); err != nil {
			sharedErr = err
			return
		}
		shared, sharedAddr = s, s.Addr
	})
	if sharedErr != nil {
		Unavailable(tb, sharedErr)
	}
	return sharedAddr
}

// Unavailable skips tb because no ClickHouse server is available, or fails
// it when CI=true.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("ClickHouse tests must run in CI, but no server could be started: %v", err)
	}
	tb.Skipf("no ClickHouse server (set CI=true to make this a failure): %v", err)
}

// NewDatabase returns the name of a fresh, not yet created database (the
// backend under test creates it), unique within the server; it is dropped at
// cleanup.
func NewDatabase(tb testing.TB, addr string) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, dbCounter.Add(1))
	tb.Cleanup(func() { _ = Exec(addr, "DROP DATABASE IF EXISTS "+name) })
	return name
}

// Exec runs one statement on the server at addr.
func Exec(addr, stmt string) error {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return conn.Exec(ctx, stmt)
}
