package zipkinapi

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseTraceSearch feeds arbitrary query strings to the /traces
// parser: it must never panic, must fail only with a 400 (argError), and
// an accepted search must be a valid window with sane bounds.
func FuzzParseTraceSearch(f *testing.F) {
	for _, s := range []string{
		"", "serviceName=a&spanName=all&limit=5", "annotationQuery=http.uri%3D%2Ffoo+and+retried",
		"minDuration=10&maxDuration=5", "endTs=1&lookback=9223372036854775807", "limit=-1", "annotationQuery=%3D+and+",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		ts, err := parseTraceSearch(v, now)
		if err != nil {
			var arg argError
			if !errors.As(err, &arg) {
				t.Fatalf("%q: non-400 error %v", raw, err)
			}
			return
		}
		q := ts.query
		if q.Limit <= 0 || q.Limit > MaxLimit || q.Start.After(q.End) || q.Start.Before(time.Unix(0, 0)) ||
			q.MinDuration < 0 || (q.MaxDuration != 0 && q.MaxDuration < q.MinDuration) {
			t.Fatalf("%q: accepted bad query %+v", raw, q)
		}
		for k := range q.Tags {
			if k == "" || k != strings.TrimSpace(k) {
				t.Fatalf("%q: tag key %q", raw, k)
			}
		}
	})
}

// FuzzParseTraceIDs: traceMany's list is either rejected with a 400 or is
// at least two distinct ids.
func FuzzParseTraceIDs(f *testing.F) {
	for _, s := range []string{"", "5af7183fb1d4cf5f,4e441824ec2b6a44ffdc9bb9a6453df3", "a,b", "5af7183fb1d4cf5f,5af7183fb1d4cf5f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := parseTraceIDs(s)
		if err != nil {
			var arg argError
			if !errors.As(err, &arg) {
				t.Fatalf("%q: non-400 error %v", s, err)
			}
			return
		}
		if len(ids) < 2 {
			t.Fatalf("%q: %d ids accepted", s, len(ids))
		}
		seen := map[any]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%q: duplicate %v accepted", s, id)
			}
			seen[id] = true
		}
	})
}
