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

// BenchmarkProxyProcess runs the proxy alone in a child process, drives
// b.N requests through it from 16 concurrent clients, and reports the
// child's resident set (VmRSS), peak (VmHWM), and CPU time per request
// (user+system from /proc), whence requests per second per core. CPU time
// is immune to the load generator sharing the machine.
//
// "telemetry" and "bare" run this test binary as the proxy, with all
// telemetry on (access log file, metrics, 100% sampled spans) or none.
// "binary" builds and runs the shipped sidecar as `make build` does
// (cmd/meshlens-proxy, tags $MESHLENS_PROXY_TAGS) with all telemetry on:
// its resident set is the one the 25 MB goal is about.
func BenchmarkProxyProcess(b *testing.B) {
	b.Run("telemetry", func(b *testing.B) { benchProxyProcess(b, startTestChild(b, true)) })
	b.Run("bare", func(b *testing.B) { benchProxyProcess(b, startTestChild(b, false)) })
	b.Run("binary", func(b *testing.B) { benchProxyProcess(b, startBinaryChild(b)) })
}

// child is a proxy process under test, its outbound address and the app
// behind it.
type child struct {
	cmd  *exec.Cmd
	addr string
	app  *backend
}

// startTestChild runs this test binary as a bare proxy (see TestMain).
func startTestChild(b *testing.B, withTelemetry bool) child {
	app := newBenchBackend(b)
	zipkin := newBenchBackend(b)
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "registry.yaml"), []byte(registryYAML("details", "HTTP", app)), 0o644)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	if withTelemetry {
		cmd.Env = append(cmd.Env, "ZIPKIN=http://127.0.0.1:"+strconv.Itoa(zipkin.port)+"/api/v2/spans")
	}
	c := startChild(b, cmd, os.Stderr, func(line string) (string, bool) { return strings.CutPrefix(line, "ADDR ") })
	c.app = app
	return c
}

// startBinaryChild builds cmd/meshlens-proxy with the Makefile's tags and
// runs it with a config file: access log to a file, metrics, and every
// span sent to a Zipkin endpoint.
func startBinaryChild(b *testing.B) child {
	app := newBenchBackend(b)
	zipkin := newBenchBackend(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "meshlens-proxy")
	tags, ok := os.LookupEnv("MESHLENS_PROXY_TAGS")
	if !ok {
		tags = "grpcnotrace" // the Makefile's PROXY_TAGS, for runs outside make
	}
	build := exec.Command("go", "build", "-tags", tags, "-o", bin, "github.com/meshlens/meshlens/cmd/meshlens-proxy")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building meshlens-proxy: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "registry.yaml"), []byte(registryYAML("details", "HTTP", app)), 0o644)
	os.Mkdir(filepath.Join(dir, "istio"), 0o755)
	os.WriteFile(filepath.Join(dir, "proxy.yaml"), []byte(fmt.Sprintf(`listeners: {outbound: 127.0.0.1:0, inbound: "off", admin: 127.0.0.1:0}
registry: registry.yaml
istio_config: istio/
identity: {service: productpage, namespace: default, version: v1, workload: productpage-v1}
telemetry:
  access_log: {format: text, output: file, path: %s}
  tracing: {zipkin_endpoint: "http://127.0.0.1:%d/api/v2/spans", sampling_percent: 100}
  metrics: {enabled: true}
`, filepath.Join(dir, "access.log"), zipkin.port)), 0o644)
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "proxy.yaml"))
	c := startChild(b, cmd, nil, func(line string) (string, bool) {
		_, rest, ok := strings.Cut(line, `msg="meshlens proxy started" outbound=`)
		addr, _, _ := strings.Cut(rest, " ")
		return addr, ok
	})
	c.app = app
	return c
}

// startChild starts cmd and reads its stdout (or, with stdout set, its
// stderr) until addrOf finds the outbound address in a line. The child
// exits when its stdin closes or at the end of the benchmark.
func startChild(b *testing.B, cmd *exec.Cmd, stdout io.Writer, addrOf func(line string) (string, bool)) child {
	stdin, _ := cmd.StdinPipe()
	var out io.Reader
	if stdout != nil {
		cmd.Stderr = stdout
		out, _ = cmd.StdoutPipe()
	} else {
		out, _ = cmd.StderrPipe()
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			b.Fatalf("%s exited before naming its address: %v", cmd.Path, err)
		}
		if addr, ok := addrOf(strings.TrimSpace(line)); ok {
			go io.Copy(io.Discard, r)
			return child{cmd: cmd, addr: addr}
		}
	}
}

func benchProxyProcess(b *testing.B, c child) {
	req, _ := http.NewRequest("GET", "http://"+c.addr+"/details/0", nil)
	req.Host = "details"
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	work := make(chan struct{}, 64)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := cl.Do(req)
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
	pid := c.cmd.Process.Pid
	cpu0 := procCPU(pid)
	for b.Loop() {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	if cpu := procCPU(pid) - cpu0; cpu > 0 {
		per := cpu.Seconds() * 1e6 / float64(b.N)
		b.ReportMetric(per, "proxy-cpu-µs/req")
		b.ReportMetric(1e6/per, "req/s/core")
	}
	rss, hwm := procStatus(pid, "VmRSS:"), procStatus(pid, "VmHWM:")
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
