package format

import (
	"strings"
	"testing"
)

// responseFlags are Envoy's response flags (access_log/usage.rst,
// %RESPONSE_FLAGS%), each with the response code it comes with.
var responseFlags = []struct {
	flag string
	code string
}{
	{"UH", "503"}, {"UF", "503"}, {"UO", "503"}, {"NR", "404"}, {"URX", "503"}, {"NC", "503"},
	{"DT", "504"}, {"DC", "0"}, {"LH", "503"}, {"UT", "504"}, {"LR", "503"}, {"UR", "503"},
	{"UC", "503"}, {"DI", "200"}, {"FI", "503"}, {"RL", "429"}, {"UAEX", "403"}, {"RLSE", "500"},
	{"IH", "400"}, {"SI", "408"}, {"DPE", "400"}, {"UPE", "502"}, {"UMSDR", "408"}, {"OM", "503"},
	{"DF", "503"}, {"RFCF", "200"}, {"NFCF", "500"}, {"DO", "503"}, {"DR", "0"},
}

// TestResponseFlags parses every flag, alone and with another, in each text
// layout family and in JSON, detected by auto.
func TestResponseFlags(t *testing.T) {
	for _, f := range responseFlags {
		for _, flags := range []string{f.flag, "URX," + f.flag} {
			lines := map[string]string{
				"istio-1.9": strings.Replace(strings.Replace(istio19Line, " 418 - ", " "+f.code+" "+flags+" ", 1), "via_upstream", "-", 1),
				"envoy": `[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" ` + f.code + " " + flags +
					` 0 0 1 - "-" "curl" "id" "auth" "-"`,
				"istio-json": `{"response_code":` + f.code + `,"response_flags":"` + flags + `"}`,
			}
			for layout, line := range lines {
				rec := mustParse(t, "auto", line)
				if rec.ResponseFlags != flags || int64(rec.ResponseCode) != mustInt(t, f.code) {
					t.Errorf("%s %s: flags %q code %d", layout, flags, rec.ResponseFlags, rec.ResponseCode)
				}
				if got := matchingLayouts(line); len(got) != 1 || got[0] != layout {
					t.Errorf("%s %s: matched by %v", layout, flags, got)
				}
			}
		}
	}
}

func TestBadResponseFlags(t *testing.T) {
	for _, flags := range []string{"uh", "U H", "UF,", ",UF", "UF,,URX", "U-F", "UF;URX"} {
		_, err := parseWith(t, "auto", `{"response_flags":"`+flags+`"}`)
		if err == nil || !strings.Contains(err.Error(), "is not a list of response flags") {
			t.Errorf("flags %q: %v", flags, err)
		}
	}
}

func mustInt(t *testing.T, s string) int64 {
	n, ok := parseDigits(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
