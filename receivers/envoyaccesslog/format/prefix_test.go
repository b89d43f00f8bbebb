package format

import (
	"testing"
	"time"
)

func TestSplitPrefix(t *testing.T) {
	ts := time.Date(2024, 7, 20, 7, 5, 54, 173886083, time.UTC)
	for _, c := range []struct {
		line, rest string
		t          time.Time
	}{
		{"2024-07-20T07:05:54.173886083Z [x", "[x", ts},
		{"2024-07-20T07:05:54.173886083Z stdout F [x", "[x", ts},
		{"2024-07-20T07:05:54.173886083Z stderr P {x", "{x", ts},
		{"2024-07-20T09:05:54.173886083+02:00 {x", "{x", ts},
		{"2024-07-20T07:05:54Z x", "x", ts.Truncate(time.Second)},
		{"2024-07-20T07:05:54.173886083Z stdout X [x", "stdout X [x", ts},
		{"2024-07-20 07:05:54 [x", "2024-07-20 07:05:54 [x", time.Time{}},
		{"2024-07-20T07:05:54.173886083Z", "2024-07-20T07:05:54.173886083Z", time.Time{}},
		{"[2024-07-20T07:05:54.173Z] x", "[2024-07-20T07:05:54.173Z] x", time.Time{}},
		{"2024-99-20T07:05:54Z x", "2024-99-20T07:05:54Z x", time.Time{}},
	} {
		rest, got, n := splitPrefix(c.line)
		if rest != c.rest || !got.Equal(c.t) || n != len(c.line)-len(rest) {
			t.Errorf("splitPrefix(%q) = %q, %v, %d", c.line, rest, got, n)
		}
	}
}

// TestPrefixStartFallback: a record without START_TIME takes kubectl's
// time; one with it keeps its own.
func TestPrefixStartFallback(t *testing.T) {
	r := mustParse(t, "%RESPONSE_CODE% %DURATION%", "2024-07-20T07:05:54.1Z 200 3")
	if !r.Start.Equal(time.Date(2024, 7, 20, 7, 5, 54, 1e8, time.UTC)) || r.ResponseCode != 200 {
		t.Errorf("record %+v", r)
	}
	r = mustParse(t, "auto", `2024-07-20T07:05:59Z {"start_time":"2024-07-20T07:05:54.173Z","response_code":200}`)
	if !r.Start.Equal(time.Date(2024, 7, 20, 7, 5, 54, 173e6, time.UTC)) {
		t.Errorf("Start = %v", r.Start)
	}
}
