package telemetry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/meshlens/meshlens/receivers/envoyaccesslog/format"
	"github.com/meshlens/meshlens/storage"
)

// FuzzAccessLogLine feeds untrusted request values (path, user agent,
// x-forwarded-for, authority, request id: all from the downstream) into
// both formatters. A text line is always exactly one line; a JSON line is
// always valid JSON whose values are the inputs (made valid UTF-8), and
// parses back equal with the receiver's istio_json layout.
func FuzzAccessLogLine(f *testing.F) {
	f.Add("/reviews/0?x=1", "curl/8.7.1", "10.0.0.1", "reviews:9080", "6d67d674-2122-4a2d-b172-0be70c674371")
	f.Add("/a b\"c", "ua \" \" quoted", "", "", "")
	f.Add("/\r\n[2020-01-01T00:00:00.000Z] forged", "\x00\x1f\u2028", "\xff\xfe", "<&>", "-")
	jsonParser, err := format.ForName("istio_json")
	if err != nil {
		f.Fatal(err)
	}
	textParser, err := format.ForName("istio")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, ua, xff, authority, rid string) {
		r := sampleRecords()[0]
		r.Path, r.UserAgent, r.XForwardedFor, r.Authority, r.RequestID = path, ua, xff, authority, rid

		text := appendText(nil, &r)
		if bytes.IndexByte(text, '\n') != len(text)-1 || bytes.IndexByte(text, '\r') >= 0 {
			t.Fatalf("text output is not one line: %q", text)
		}

		line := appendJSON(nil, &r)
		if bytes.IndexByte(line, '\n') != len(line)-1 {
			t.Fatalf("JSON output is not one line: %q", line)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("invalid JSON %q: %v", line, err)
		}
		for key, in := range map[string]string{"path": path, "user_agent": ua, "x_forwarded_for": xff,
			"authority": authority, "request_id": rid} {
			if in == "" {
				if m[key] != nil {
					t.Fatalf("%s: empty input logged as %#v, want null", key, m[key])
				}
				continue
			}
			if got, want := m[key], perByteValid(in); got != want {
				t.Fatalf("%s = %#v, want %q", key, got, want)
			}
		}
		if plausible(path + ua + xff + authority + rid) {
			var row storage.AccessLog
			if err := textParser.Parse(text, storage.Reporter{}, &row); err != nil {
				t.Fatalf("receiver rejects %q: %v", text, err)
			}
			got := []string{row.Path, row.UserAgent, row.XForwardedFor, row.Authority, row.RequestID}
			for i, in := range []string{path, ua, xff, authority, rid} {
				if in == "-" {
					in = ""
				}
				if got[i] != in {
					t.Fatalf("text field %d parsed back as %q, want %q (line %q)", i, got[i], in, text)
				}
			}
		}
		for _, v := range []string{path, ua, xff, authority, rid} {
			if !utf8.ValidString(v) {
				return
			}
		}
		var row storage.AccessLog
		if err := jsonParser.Parse(line, storage.Reporter{}, &row); err != nil {
			// The receiver validates columns (no spaces or quotes in an
			// authority, say); values a real client sends must pass.
			if plausible(path + ua + xff + authority + rid) {
				t.Fatalf("receiver rejects %q: %v", line, err)
			}
			return
		}
		want := map[string]string{"path": row.Path, "user_agent": row.UserAgent, "x_forwarded_for": row.XForwardedFor,
			"authority": row.Authority, "request_id": row.RequestID}
		for key, in := range map[string]string{"path": path, "user_agent": ua, "x_forwarded_for": xff,
			"authority": authority, "request_id": rid} {
			if in == "-" {
				in = ""
			}
			if want[key] != in {
				t.Fatalf("%s parsed back as %q, want %q (line %q)", key, want[key], in, line)
			}
		}
	})
}

// perByteValid replaces each invalid UTF-8 byte with U+FFFD, as
// encoding/json does.
func perByteValid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// plausible reports whether s looks like what HTTP clients send in these
// headers: printable ASCII without spaces or quotes.
func plausible(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
