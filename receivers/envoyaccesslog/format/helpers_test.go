package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// testReporter is the reporter every test record is parsed with.
var testReporter = storage.Reporter{Service: "reporter", Namespace: "default", Version: "v1", Workload: "reporter-v1"}

// vector is one record line of a testdata file and the format it is in.
type vector struct {
	file   string
	lineNo int
	format string
	text   string
}

// readVectors reads a testdata file: '#' lines are comments, "@format X"
// sets the format of the lines after it (auto until the first one).
func readVectors(t testing.TB, name string) []vector {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	format := "auto"
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"), strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "@format "):
			format = strings.TrimPrefix(line, "@format ")
		default:
			out = append(out, vector{file: name, lineNo: n, format: format, text: line})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleLines returns the record lines of the shared samples (for fuzz
// seeds and benchmarks).
func sampleLines(t testing.TB) []string {
	var out []string
	for _, v := range readVectors(t, "access-samples.txt") {
		out = append(out, v.text)
	}
	return out
}

// parseWith parses line with the parser for format.
func parseWith(t testing.TB, format, line string) (storage.AccessLog, error) {
	t.Helper()
	p, err := ForName(format)
	if err != nil {
		t.Fatalf("ForName(%q): %v", format, err)
	}
	var rec storage.AccessLog
	err = p.Parse([]byte(line), testReporter, &rec)
	return rec, err
}

// mustParse parses line and fails the test on error.
func mustParse(t testing.TB, format, line string) storage.AccessLog {
	t.Helper()
	rec, err := parseWith(t, format, line)
	if err != nil {
		t.Fatalf("Parse(%q) with format %q: %v", line, format, err)
	}
	return rec
}

// matchingLayouts names the built-in layouts that match a record (prefix
// already removed), independent of any parser's hint.
func matchingLayouts(s string) []string {
	var names []string
	var rec storage.AccessLog
	for _, p := range allTexts {
		if p.match(s, &rec, nil) == nil {
			names = append(names, p.name)
		}
	}
	if istioJSON.parseRecord(s, &rec) == nil {
		names = append(names, istioJSON.name)
	}
	return names
}

// checkGolden compares got with testdata/name, rewriting it with -update.
func checkGolden(t *testing.T, name string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("records differ from %s; run with -update and review the diff:\n%s", path, firstDiff(buf.String(), string(want)))
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}
