package format

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// istio19Line is a good Istio 1.9+ line that the bad-line cases alter.
const istio19Line = `[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default`

// TestBadLines pins the error text for lines that must not parse.
func TestBadLines(t *testing.T) {
	for _, c := range []struct {
		name, format, line, want string
	}{
		{"not a record", "auto", "hello world",
			`no known layout matches the line; closest: istio-1.9 layout, byte 0: the line does not start with "["`},
		{"response code not a number", istioFormat, strings.Replace(istio19Line, " 418 ", " abc ", 1),
			`custom layout, byte 54: field 5 (RESPONSE_CODE): "abc" is not a number`},
		{"duration not a number (auto names the closest layout)", "auto", strings.Replace(istio19Line, " 135 4 4 ", " 135 x4 4 ", 1),
			`no known layout matches the line; closest: istio-1.9 layout, byte 85: field 12 (DURATION): "x4" is not a number of milliseconds`},
		{"negative bytes", "istio", strings.Replace(istio19Line, " 0 135 ", " -1 135 ", 1),
			`no istio layout matches the line; closest: istio-1.9 layout, byte 79: field 10 (BYTES_RECEIVED): "-1" is not a number`},
		{"bytes out of range", "istio", strings.Replace(istio19Line, " 0 135 ", " 99999999999999999999 135 ", 1),
			`byte 79: field 10 (BYTES_RECEIVED): "99999999999999999999" is out of range`},
		{"bad time", "istio", strings.Replace(istio19Line, "2020-11-25T21:26:18.409Z", "2020-13-25 21:26", 1),
			`byte 1: field 1 (START_TIME): "2020-13-25 21:26" is not an RFC 3339 time`},
		{"lower-case flags", "istio", strings.Replace(istio19Line, " 418 - ", " 418 uh ", 1),
			`byte 58: field 6 (RESPONSE_FLAGS): "uh" is not a list of response flags (like UH or UF,URX)`},
		{"empty duration", "istio", strings.Replace(istio19Line, " 135 4 4 ", " 135  4 ", 1),
			`byte 85: field 12 (DURATION): empty value (Envoy writes "-" for none)`},
		{"truncated line", "istio", istio19Line[:120],
			`byte 112: field 16 (REQ(X-REQUEST-ID)): no "\" \"" after it`},
		{"trailing text", "envoy", `[2016-04-15T20:17:00.310Z] "POST /x HTTP/2" 204 - 154 0 226 100 "-" "ua" "id" "auth" "host" extra`,
			`no envoy layout matches the line; closest: envoy layout, byte 86: field 15 (UPSTREAM_HOST): the line does not end with "\""`},
		{"a user agent holding its own delimiter cannot be split", "envoy",
			`[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200 - 0 0 1 - "-" "x" "y" "id" "auth" "host"`,
			`envoy layout, byte 76: field 15 (UPSTREAM_HOST): "auth\" \"host" has a space or a quote`},
		{"JSON line for a text format", "istio", `{"response_code":200}`,
			`the line is JSON, but the istio layouts are text`},
		{"text line for istio_json", "istio_json", istio19Line,
			`istio-json layout, byte 0: invalid JSON: the line is not a JSON object`},
		{"JSON cut short", "auto", `{"duration":12,"response_code":`,
			`istio-json layout, byte 31: invalid JSON: expected a value`},
		{"JSON missing colon", "auto", `{"duration" 12}`,
			`istio-json layout, byte 12: invalid JSON: expected ':' after key "duration"`},
		{"JSON trailing text", "auto", `{"duration":12} x`,
			`istio-json layout, byte 16: invalid JSON: text after the object`},
		{"JSON bad escape", "auto", `{"path":"/a\q"}`,
			`istio-json layout, byte 11: invalid JSON: invalid escape \q`},
		{"JSON control character", "auto", "{\"path\":\"/a\tb\"}",
			`istio-json layout, byte 11: invalid JSON: control character in a string`},
		{"JSON number with a leading zero", "auto", `{"duration":012}`,
			`istio-json layout, byte 13: invalid JSON: expected ',' or '}' after a member`},
		{"JSON without known members", "auto", `{"a":1,"b":"c"}`,
			`istio-json layout, byte 0: the object has none of the layout's members (authority, bytes_received`},
		{"JSON wrong type", "auto", `{"response_code":"abc"}`,
			`istio-json layout, byte 17: key "response_code": "abc" is not a number`},
		{"JSON object for a column", "auto", `{"route_name":{"a":1}}`,
			`key "route_name": expected a string, number or null, got an object`},
		{"JSON fraction in a count", "auto", `{"bytes_sent":1.5}`,
			`key "bytes_sent": "1.5" is not a whole number in range`},
		{"JSON nesting too deep", "auto", `{"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`,
			`istio-json layout, byte 517: invalid JSON: nesting too deep`},
		{"kubectl prefix, then garbage: offsets count from the line start", "auto", "2024-07-20T07:05:54.173886083Z [garbage",
			`closest: istio-1.9 layout, byte 32: field 1 (START_TIME): no "] \"" after it`},
		{"invalid UTF-8", "auto", "[2020-11-25T21:26:18.409Z] \"GET /\xff HTTP/1.1\"",
			`byte 33: the line is not valid UTF-8`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseWith(t, c.format, c.line)
			if err == nil {
				t.Fatalf("parsed, want error %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n %v\nwant it to contain\n %s", err, c.want)
			}
		})
	}
}

func TestEmptyLines(t *testing.T) {
	p, _ := ForName("auto")
	var rec storage.AccessLog
	for _, line := range []string{"", "\n", "\r\n", "  \t \n"} {
		if err := p.Parse([]byte(line), testReporter, &rec); !errors.Is(err, ErrEmptyLine) {
			t.Errorf("Parse(%q) = %v, want ErrEmptyLine", line, err)
		}
	}
}

// TestHugeAndBinaryLines: a 1 MiB line and binary garbage are rejected with
// a short error, whatever the format.
func TestHugeAndBinaryLines(t *testing.T) {
	huge := bytes.Repeat([]byte("a"), 1<<20)
	hugeRecord := []byte(strings.Replace(istio19Line, "curl/7.73.0-DEV", strings.Repeat("x", 1<<20), 1))
	hugeJSON := []byte(`{"user_agent":"` + strings.Repeat("y", 1<<20) + `","response_code":"x"}`)
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	for _, format := range []string{"auto", "envoy", "istio", "istio_json", istioFormat, `{"ua":"%REQ(USER-AGENT)%"}`} {
		p, err := ForName(format)
		if err != nil {
			t.Fatal(err)
		}
		for name, line := range map[string][]byte{"huge": huge, "binary": binary, "hugeJSON": hugeJSON,
			"[ huge": append([]byte("["), huge...), "{ huge": append([]byte(`{"`), huge...)} {
			var rec storage.AccessLog
			err := p.Parse(line, testReporter, &rec)
			if err == nil {
				t.Errorf("%s: %q parsed", format[:min(len(format), 20)], name)
			} else if len(err.Error()) > 600 {
				t.Errorf("%s: %q: error of %d bytes", format[:min(len(format), 20)], name, len(err.Error()))
			}
		}
	}
	// a huge but valid record parses whole
	rec := mustParse(t, "auto", string(hugeRecord))
	if len(rec.UserAgent) != 1<<20 {
		t.Errorf("user agent of %d bytes", len(rec.UserAgent))
	}
}
