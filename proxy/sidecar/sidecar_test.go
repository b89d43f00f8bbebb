package sidecar

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/meshlens/meshlens/internal/testutil"
)

func TestParseErrorsNameField(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"identity: {service: a}\n", "registry: required"},
		{"registry: r.yaml\n", "identity.service: required"},
		{"registry: r.yaml\nidentity: {service: a}\n", "app.address"},
		{"registry: r.yaml\nidentity: {service: a}\nlisteners: {inbound: 'off', admin: nope}\n", "listeners.admin"},
		{"registry: r.yaml\nidentity: {service: a}\nlisteners: {inbound: 'off'}\nregistyr: x\n", "registyr"},
		{"registry: r.yaml\nidentity: {service: a}\nlisteners: {inbound: 'off'}\ntelemetry: {access_log: {output: syslog}}\n", "telemetry.access_log.output"},
		{"registry: r.yaml\nidentity: {service: a}\nlisteners: {inbound: 'off'}\napp: {protocol: tcp}\n", "app.protocol"},
		{"registry: r.yaml\nidentity: {service: a}\nlisteners: {inbound: 'off'}\nconfig_poll: soon\n", "soon"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.yaml), "/etc/meshlens")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.yaml, err, tc.want)
		}
	}
	f, err := Parse([]byte("registry: r.yaml\nistio_config: istio\nidentity: {service: a}\napp: {address: '127.0.0.1:9080'}\nconfig_poll: 500ms\n"), "/etc/meshlens")
	if err != nil {
		t.Fatal(err)
	}
	if f.Registry != "/etc/meshlens/r.yaml" || f.IstioConfig != "/etc/meshlens/istio" || f.Listeners.Outbound != "127.0.0.1:15001" || f.ConfigPoll != 500*time.Millisecond {
		t.Errorf("parsed %+v", f)
	}
}

// TestSidecarWithTelemetry runs a full sidecar (real telemetry) in front
// of an app and checks the access log file and /stats/prometheus.
func TestSidecarWithTelemetry(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer app.Close()
	dir := t.TempDir()
	port := app.Listener.Addr().(*net.TCPAddr).Port
	os.WriteFile(filepath.Join(dir, "registry.yaml"), []byte(fmt.Sprintf(
		"services:\n- name: details\n  ports: [{name: http, port: 9080}]\n  endpoints: [{address: 127.0.0.1, ports: {http: %d}, labels: {version: v1}}]\n", port)), 0o644)
	os.WriteFile(filepath.Join(dir, "proxy.yaml"), []byte(`
listeners: {outbound: "127.0.0.1:0", inbound: "off", admin: "127.0.0.1:0"}
registry: registry.yaml
identity: {service: productpage, version: v1}
telemetry:
  access_log: {output: file, path: access.log, flush_interval: 10ms}
`), 0o644)
	f, err := Load(filepath.Join(dir, "proxy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	logPath := filepath.Join(dir, "access.log")
	callAndWaitForLog(t, s, logPath)

	// Rotation: renamed, then reopened by POST /reopen_logs, and again by
	// SIGUSR1 (unix). Each file keeps exactly its own request's line.
	rotate := func(reopen func()) {
		t.Helper()
		os.Remove(logPath + ".1")
		if err := os.Rename(logPath, logPath+".1"); err != nil {
			t.Fatal(err)
		}
		reopen()
		callAndWaitForLog(t, s, logPath)
		if b, _ := os.ReadFile(logPath + ".1"); strings.Count(string(b), "\n") != 1 {
			t.Errorf("rotated file has %q, want the one line logged before the rotation", b)
		}
	}
	rotate(func() {
		resp, err := http.Post("http://"+s.Proxy.Addr("admin")+"/reopen_logs", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "OK\n" {
			t.Fatalf("POST /reopen_logs: %d %q", resp.StatusCode, body)
		}
	})
	if sigusr1 != nil {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		reopenOnSIGUSR1(ctx, s, slog.New(slog.DiscardHandler))
		rotate(func() {
			if err := sigusr1(); err != nil {
				t.Fatal(err)
			}
			// The reopen is asynchronous: wait until the path exists again.
			testutil.WaitFor(t, "access log reopened", 10*time.Second, func() error {
				_, err := os.Stat(logPath)
				return err
			})
		})
	}
	mresp, err := http.Get("http://" + s.Proxy.Addr("admin") + "/stats/prometheus")
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(mresp.Body)
	if err != nil {
		t.Fatal(err)
	}
	rt := fams["istio_requests_total"]
	if rt == nil || len(rt.Metric) == 0 {
		t.Fatalf("no istio_requests_total in %d families", len(fams))
	}
	labels := map[string]string{}
	for _, l := range rt.Metric[0].Label {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["reporter"] != "source" || labels["source_workload"] != "productpage-v1" || labels["destination_version"] != "v1" || labels["response_code"] != "200" {
		t.Errorf("labels %v", labels)
	}
}

// callAndWaitForLog sends one request through s and waits until the
// access log at path has its line.
func callAndWaitForLog(t *testing.T, s *Sidecar, path string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+s.Proxy.Addr("outbound")+"/details/0", nil)
	req.Host = "details:9080"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	testutil.WaitFor(t, "the request's access-log line", 10*time.Second, func() error {
		if log, _ := os.ReadFile(path); !strings.Contains(string(log), "outbound|9080||details.default.svc.cluster.local") {
			return fmt.Errorf("access log: %q", log)
		}
		return nil
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("registry: r.yaml\nidentity: {service: a}\napp: {address: '127.0.0.1:9080'}\n"))
	f.Add([]byte("listeners: {inbound: 'off'}\ntelemetry: {tracing: {sampling_percent: 150}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if cfg, err := Parse(b, "/base"); err == nil && (cfg.Registry == "" || cfg.Identity.Service == "") {
			t.Fatalf("accepted an invalid config: %+v", cfg)
		}
	})
}
