package jaegerapi

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

// isBadParam reports whether err is a 400.
func isBadParam(err error) bool {
	var pe *paramError
	return errors.As(err, &pe)
}

// FuzzParseTags: tag=k:v and tags={json} either parse or fail with a 400;
// accepted tag=k:v values keep everything after the first colon.
func FuzzParseTags(f *testing.F) {
	for _, c := range [][2]string{
		{"k:v", `{"error":true,"http.status_code":503}`}, {"a:b:c", `{"k":"v"}`}, {"nocolon", ""},
		{"", `{"k":{}}`}, {"", "null"}, {"", `{"k":1e999}`}, {"", `[1]`},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, tag, tags string) {
		var simple, js []string
		if tag != "" {
			simple = []string{tag}
		}
		if tags != "" {
			js = []string{tags}
		}
		m, err := parseTags(simple, js)
		if err != nil {
			if !isBadParam(err) {
				t.Fatalf("tag %q tags %q: non-400 error %v", tag, tags, err)
			}
			return
		}
		if tag != "" && tags == "" && len(m) != 1 {
			t.Fatalf("tag %q parsed to %v", tag, m)
		}
	})
}

// FuzzParseLookback: a lookback is positive or refused, never a panic.
func FuzzParseLookback(f *testing.F) {
	for _, s := range []string{"1h", "2d", "1w", "custom", "0d", "-1h", "9999999999d", "1.5h", "d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseLookback(s)
		if err == nil && d <= 0 {
			t.Fatalf("%q accepted as %v", s, d)
		}
		if d2, err2 := parseDuration(s); err2 == nil && d2 < 0 {
			t.Fatalf("duration %q accepted as %v", s, d2)
		}
	})
}

// FuzzParseSearch: any v1 search query string parses into a sane query or
// fails with a 400.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{
		"service=a&start=1&end=2&limit=20&lookback=2d&minDuration=1ms&maxDuration=2s",
		"traceID=5af7183fb1d4cf5f&traceID=zz", "service=a&tag=k:v&tags=%7B%22x%22%3A1%7D", "service=a&end=9223372036854775807",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		s, err := parseSearch(v, now)
		if err != nil {
			if !isBadParam(err) {
				t.Fatalf("%q: non-400 error %v", raw, err)
			}
			return
		}
		q := s.query
		if q.Limit <= 0 || q.Limit > MaxLimit || q.MinDuration < 0 || q.MaxDuration < 0 ||
			(q.Service == "" && len(s.traceIDs) == 0) {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
	})
}

// FuzzParseV3Search: the same for v3's query.* parameters.
func FuzzParseV3Search(f *testing.F) {
	for _, s := range []string{
		"query.service_name=a&query.start_time_min=2026-11-29T09:00:00Z&query.start_time_max=2026-11-29T11:00:00Z",
		"query.startTimeMin=2026-11-29T09:00:00Z&query.startTimeMax=2026-11-29T11:00:00Z&query.attributes=%7B%22k%22%3A1%7D&query.searchDepth=5",
		"query.start_time_min=x&query.start_time_max=y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		s, err := parseV3Search(v)
		if err != nil {
			if !isBadParam(err) {
				t.Fatalf("%q: non-400 error %v", raw, err)
			}
			return
		}
		q := s.query
		if !q.Start.Before(q.End) || q.Limit <= 0 || q.Limit > MaxLimit || q.MinDuration < 0 {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
	})
}
