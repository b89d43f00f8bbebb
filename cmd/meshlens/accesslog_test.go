package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/query/meshapi"
)

// sampleLines returns the record lines of the real Envoy/Istio samples
// (receivers/envoyaccesslog/format/testdata, copied from the shared test
// vectors).
func sampleLines(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../receivers/envoyaccesslog/format/testdata/access-samples.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Move every record to yesterday (keeping its time of day), so that it
	// is inside the store's retention window and in the past at any time of
	// day (moved to today, a record from the afternoon is in the future
	// just after midnight, outside `meshlens stat --since`).
	day := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	date := regexp.MustCompile(`\b20\d\d-\d\d-\d\dT`)
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, date.ReplaceAllString(l, day+"T"))
		}
	}
	return lines
}

// getJSON fetches a meshlens API URL and decodes its data member.
func getJSON(t *testing.T, u string, data any) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("GET %s: %s: %v", u, resp.Status, err)
	}
	if env.Status == "success" && data != nil {
		if err := json.Unmarshal(env.Data, data); err != nil {
			t.Fatalf("GET %s: decoding data: %v", u, err)
		}
	}
	return resp.StatusCode
}

// TestAccessLogsEndToEnd follows a file of real access-log lines mixed
// with garbage through `meshlens serve`: every good line is searchable,
// the bad ones are dead letters, the two hops of one request come back
// together, and RED is served.
func TestAccessLogsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "istio-proxy.log")
	good := sampleLines(t)
	var body bytes.Buffer
	for i, l := range good {
		body.WriteString(l + "\n")
		if i == 3 {
			body.WriteString("this is not an access log line\n")
			body.Write([]byte{0xff, 0xfe, 0, 1, 2, '\n'})
		}
	}
	body.WriteString(strings.Repeat("x", 2<<20) + "\n") // longer than max_line_bytes
	if err := os.WriteFile(logPath, body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	queryAddr := testutil.FreeAddr(t)
	startMeshlens(t, fileLogsConfig(dir, queryAddr, logPath,
		"{service: sleep, namespace: foo, version: v1, workload: sleep-v1}"), queryAddr)

	api := "http://" + queryAddr + meshapi.Prefix
	all := url.Values{"start": {"0"}, "end": {"4102444800"}, "limit": {"1000"}}.Encode()
	var recs []meshapi.Record
	testutil.WaitFor(t, "all sample lines stored", 30*time.Second, func() error {
		recs = nil
		getJSON(t, api+"logs?"+all, &recs)
		if len(recs) != len(good) {
			return fmt.Errorf("%d records, want %d", len(recs), len(good))
		}
		return nil
	})
	for i := 1; i < len(recs); i++ {
		if recs[i].StartTime.After(recs[i-1].StartTime) {
			t.Fatalf("logs not newest first at %d: %v after %v", i, recs[i].StartTime, recs[i-1].StartTime)
		}
	}

	var dead []meshapi.DeadLetter
	testutil.WaitFor(t, "dead letters", 10*time.Second, func() error {
		dead = nil
		getJSON(t, api+"deadletters?"+all, &dead)
		if len(dead) != 3 {
			return fmt.Errorf("%d dead letters, want 3", len(dead))
		}
		return nil
	})
	for _, d := range dead {
		if d.Error == "" || !strings.HasPrefix(d.Source, "file:"+logPath+":") {
			t.Errorf("dead letter without error or source: %+v", d)
		}
	}

	var req meshapi.RequestAnswer
	if code := getJSON(t, api+"requests/84961386-6d84-929d-98bd-c5aee93b5c88", &req); code != http.StatusOK {
		t.Fatalf("request lookup: %d", code)
	}
	if len(req.AccessLogs) != 2 || req.AccessLogs[0].Reporter.Direction != "source" ||
		req.AccessLogs[1].Reporter.Direction != "destination" ||
		req.AccessLogs[0].Destination.Service != "httpbin" || req.AccessLogs[0].Destination.Namespace != "foo" {
		t.Fatalf("request lookup = %+v, want the outbound hop then the inbound hop to httpbin.foo", req.AccessLogs)
	}
	if code := getJSON(t, api+"requests/no-such-request", nil); code != http.StatusNotFound {
		t.Errorf("unknown request id: %d, want 404", code)
	}

	var flagged []meshapi.Record
	getJSON(t, api+"logs?"+all+"&flag=UH", &flagged)
	if len(flagged) != 1 || flagged[0].ResponseCode != 503 {
		t.Errorf("flag=UH gave %+v, want the one no_healthy_upstream record", flagged)
	}

	var red meshapi.REDAnswer
	getJSON(t, api+"red?by=service&start=0&end=4102444800", &red)
	if len(red.Rows) == 0 {
		t.Fatal("RED by service is empty")
	}
	var total int64
	for _, r := range red.Rows {
		total += r.Requests
	}
	if total != int64(len(good)) {
		t.Errorf("RED counts %d requests, want %d", total, len(good))
	}
	if code := getJSON(t, api+"red?by=pod", nil); code != http.StatusBadRequest {
		t.Errorf("by=pod answered %d, want 400", code)
	}

	// `meshlens stat` prints the same RED as a table.
	for _, by := range []string{"service", "edge"} {
		var out bytes.Buffer
		cmd := newRootCommand()
		cmd.SetOut(&out)
		cmd.SetArgs([]string{"stat", "--by", by, "--since", "48h", "--server", "http://" + queryAddr})
		if err := cmd.Execute(); err != nil {
			t.Fatalf("meshlens stat --by %s: %v", by, err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) < 2 || !strings.Contains(lines[0], "SUCCESS") || !strings.Contains(lines[0], "LATENCY_P99") {
			t.Errorf("meshlens stat --by %s printed:\n%s", by, out.String())
		}
	}
}

// fileLogsConfig is a `meshlens serve` config that follows logPath from its
// beginning, with data and checkpoints under dir.
func fileLogsConfig(dir, queryAddr, logPath, reporter string) string {
	return testConfig(filepath.Join(dir, "data"), queryAddr,
		fmt.Sprintf("  envoyaccesslog:\n    checkpoint_dir: %q\n"+
			"    files: [{include: [%q], start_at: beginning, poll_interval: 20ms, reporter: %s}]",
			filepath.Join(dir, "ckpt"), logPath, reporter),
		"    logs: {receivers: [envoyaccesslog], exporters: [meshlens]}")
}
