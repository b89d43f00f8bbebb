package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/route"
	"github.com/meshlens/meshlens/proxy/telemetry"
)

// childEnv makes the test binary run as a bare proxy process (see
// TestMain), so its resident memory can be measured alone.
const childEnv = "MESHLENS_PROXY_BENCH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		if err := runChildProxy(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChildProxy serves a proxy with all telemetry on (access log file,
// metrics, spans to $ZIPKIN) until stdin closes.
func runChildProxy(dir string) error {
	cfg := Config{OutboundAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", NoInbound: true,
		Identity: route.Identity{Service: "productpage", Version: "v1"},
		Source:   config.Source{RegistryFile: filepath.Join(dir, "registry.yaml")}}
	if os.Getenv("ZIPKIN") != "" {
		tel, err := childTelemetry(dir)
		if err != nil {
			return err
		}
		cfg.Observer, cfg.Metrics = tel, tel.Handler()
	}
	p, err := New(cfg)
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	fmt.Printf("ADDR %s\n", p.Addr("outbound"))
	io.Copy(io.Discard, os.Stdin)
	return nil
}

func childTelemetry(dir string) (*telemetry.Telemetry, error) {
	tc := telemetry.DefaultConfig()
	tc.Identity.Workload, tc.Identity.App, tc.Identity.Version = "productpage-v1", "productpage", "v1"
	tc.AccessLog.Output, tc.AccessLog.Path = telemetry.OutputFile, filepath.Join(dir, "access.log")
	tc.Tracing.ZipkinEndpoint = os.Getenv("ZIPKIN")
	return telemetry.New(tc)
}

// BenchmarkProxyProcess runs the proxy alone in a child process, with all
// telemetry on (access log file, metrics, 100% sampled spans) or none,
// drives b.N requests through it from 16 concurrent clients, and reports
// the child's resident set (VmRSS), peak (VmHWM), and CPU time per request
// (user+system from /proc), whence requests per second per core. CPU time
// is immune to the load generator sharing the machine.
func BenchmarkProxyProcess(b *testing.B) {
	b.Run("telemetry", func(b *testing.B) { benchProxyProcess(b, true) })
	b.Run("bare", func(b *testing.B) { benchProxyProcess(b, false) })
}

func benchProxyProcess(b *testing.B, withTelemetry bool) {
	app := newBenchBackend(b)
	zipkin := newBenchBackend(b)
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "registry.yaml"), []byte(registryYAML("details", "HTTP", app)), 0o644)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	if withTelemetry {
		cmd.Env = append(cmd.Env, "ZIPKIN=http://127.0.0.1:"+strconv.Itoa(zipkin.port)+"/api/v2/spans")
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
	req, _ := http.NewRequest("GET", "http://"+addr+"/details/0", nil)
	req.Host = "details"
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	work := make(chan struct{}, 64)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for range 1000 { // warm up pools before measuring CPU
		work <- struct{}{}
	}
	cpu0 := procCPU(cmd.Process.Pid)
	for b.Loop() {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	if cpu := procCPU(cmd.Process.Pid) - cpu0; cpu > 0 {
		per := cpu.Seconds() * 1e6 / float64(b.N)
		b.ReportMetric(per, "proxy-cpu-µs/req")
		b.ReportMetric(1e6/per, "req/s/core")
	}
	rss, hwm := procStatus(cmd.Process.Pid, "VmRSS:"), procStatus(cmd.Process.Pid, "VmHWM:")
	b.ReportMetric(float64(rss)/1024, "proxy-rss-MB")
	b.ReportMetric(float64(hwm)/1024, "proxy-peak-rss-MB")
}

// procCPU is a process's user+system CPU time (clock ticks of 10 ms).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	ut, _ := strconv.ParseInt(f[11], 10, 64)                 // field 14
	st, _ := strconv.ParseInt(f[12], 10, 64)                 // field 15
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func procStatus(pid int, key string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}
