package telemetry

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/receivers/envoyaccesslog/format"
	"github.com/meshlens/meshlens/storage"
)

// TestTextRoundTrip: every text line parses with meshlens' own receiver
// (its Istio layouts, and the format string compiled on its own) and the
// columns come back equal.
func TestTextRoundTrip(t *testing.T) {
	istio, err := format.ForName("istio")
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := format.Compile(istioTextFormat)
	if err != nil {
		t.Fatal(err)
	}
	var golden bytes.Buffer
	for i, r := range sampleRecords() {
		line := appendText(nil, &r)
		golden.Write(line)
		for name, p := range map[string]format.Parser{"istio": istio, "compiled": compiled} {
			var got storage.AccessLog
			if err := p.Parse(line, storage.Reporter{}, &got); err != nil {
				t.Fatalf("record %d: %s parser rejects %q: %v", i, name, line, err)
			}
			if want := wantRow(&r); !reflect.DeepEqual(logColumns(got), want) {
				t.Errorf("record %d (%s):\n line %q\n got  %+v\n want %+v", i, name, line, logColumns(got), want)
			}
		}
	}
	checkGolden(t, "text.golden", golden.Bytes())
}

// TestJSONRoundTrip: every JSON line is valid JSON with Istio's members,
// typed as Envoy types them, and parses back equal with the receiver's
// istio_json layout.
func TestJSONRoundTrip(t *testing.T) {
	p, err := format.ForName("istio_json")
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"authority", "bytes_received", "bytes_sent", "connection_termination_details",
		"downstream_local_address", "downstream_remote_address", "duration", "method", "path", "protocol",
		"request_id", "requested_server_name", "response_code", "response_code_details", "response_flags",
		"route_name", "start_time", "upstream_cluster", "upstream_host", "upstream_local_address",
		"upstream_service_time", "upstream_transport_failure_reason", "user_agent", "x_forwarded_for"}
	var golden bytes.Buffer
	for i, r := range sampleRecords() {
		line := appendJSON(nil, &r)
		golden.Write(line)
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("record %d: invalid JSON %q: %v", i, line, err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("record %d: keys %v, want %v", i, keys, wantKeys)
		}
		for _, k := range []string{"bytes_received", "bytes_sent", "duration", "response_code"} {
			if _, ok := m[k].(float64); !ok {
				t.Errorf("record %d: %s = %#v, want a number", i, k, m[k])
			}
		}
		if r.UpstreamServiceTime < 0 && m["upstream_service_time"] != nil {
			t.Errorf("record %d: unknown upstream_service_time = %#v, want null", i, m["upstream_service_time"])
		}
		var got storage.AccessLog
		if err := p.Parse(line, storage.Reporter{}, &got); err != nil {
			t.Fatalf("record %d: istio_json rejects %q: %v", i, line, err)
		}
		if want := wantRow(&r); !reflect.DeepEqual(logColumns(got), want) {
			t.Errorf("record %d:\n line %q\n got  %+v\n want %+v", i, line, logColumns(got), want)
		}
	}
	checkGolden(t, "json.golden", golden.Bytes())
}

// TestTextMatchesRealIstioLines re-renders real Istio lines from their
// parsed fields: the output must be the same bytes.
func TestTextMatchesRealIstioLines(t *testing.T) {
	p, err := format.ForName("istio")
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, "testdata/istio-samples.txt")
	if len(lines) < 5 {
		t.Fatalf("only %d sample lines", len(lines))
	}
	for _, line := range lines {
		var a storage.AccessLog
		if err := p.Parse([]byte(line), storage.Reporter{}, &a); err != nil {
			t.Fatalf("receiver rejects the real line %q: %v", line, err)
		}
		r := recordFrom(&a)
		if got := string(appendText(nil, &r)); got != line+"\n" {
			t.Errorf("re-rendered\n got  %q\n want %q", got, line+"\n")
		}
	}
}

// TestJSONMatchesRealIstioLine re-renders a real Istio JSON line: the
// members and their JSON types and values must be the same.
func TestJSONMatchesRealIstioLine(t *testing.T) {
	p, err := format.ForName("istio_json")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range readLines(t, "testdata/istio-json-samples.txt") {
		var a storage.AccessLog
		if err := p.Parse([]byte(line), storage.Reporter{}, &a); err != nil {
			t.Fatal(err)
		}
		r := recordFrom(&a)
		var want, got map[string]any
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(appendJSON(nil, &r), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("re-rendered\n got  %v\n want %v", got, want)
		}
	}
}

func TestJSONStringEscaping(t *testing.T) {
	for _, s := range []string{"plain", `quote " and \ backslash`, "tab\tnl\ncr\r\x00\x1f", "é ✓ \u2028", "bad \xff utf8", "<html>&"} {
		got := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, got, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if back != want {
			t.Errorf("%q round-trips to %q", s, back)
		}
	}
	if got := string(appendJSONString(nil, "")); got != "null" {
		t.Errorf("empty string encodes to %s, want null", got)
	}
}

func TestTextNeverSplitsLines(t *testing.T) {
	r := sampleRecords()[0]
	r.UserAgent = "evil\r\n[2020-01-01T00:00:00.000Z] forged"
	line := appendText(nil, &r)
	if bytes.Count(line, []byte("\n")) != 1 || bytes.ContainsRune(line, '\r') {
		t.Fatalf("a header value split the line: %q", line)
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update if intended):\n got\n%s\n want\n%s", name, got, want)
	}
}
