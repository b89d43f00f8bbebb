package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// fuzzSeeds are the samples, the auto vectors and a few edge cases.
func fuzzSeeds(f *testing.F) []string {
	seeds := sampleLines(f)
	for _, v := range readVectors(f, "vectors.txt") {
		if v.format == "auto" {
			seeds = append(seeds, v.text)
		}
	}
	return append(seeds, "", "{}", `{"a":[{"b":null}],"duration":"1.5"}`, `{"user_agent":"\ud800\udc00\u0041"}`,
		"[2020-11-25T21:26:18.409Z] \"- - -\" 0 - - - \"-\" 0 0 - - \"-\" \"-\" \"-\" \"-\" \"-\" - - - - - -")
}

// FuzzParseText feeds arbitrary lines to the auto parser. It must never
// panic, and a line it accepts must be accounted for byte by byte: the
// matched layout's literals and field texts rebuild the record exactly,
// and every column holds what an independent conversion of its field text
// gives (JSON lines: what encoding/json decodes).
func FuzzParseText(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	p, err := ForName("auto")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var rec storage.AccessLog
		if err := p.Parse([]byte(line), testReporter, &rec); err != nil {
			checkErrorText(t, err)
			return
		}
		body, prefixTime, n := splitPrefix(trimEOL(line))
		if isJSONLine(body) {
			checkAgainstStdlib(t, body, prefixTime, rec)
			return
		}
		candidates := []string{body}
		if n > 0 {
			candidates = append(candidates, trimEOL(line))
			prefixTime = time.Time{}
		}
		for i, s := range candidates {
			if i == 1 {
				prefixTime = time.Time{}
			}
			if checkTextRecord(t, s, prefixTime, rec) {
				return
			}
		}
		t.Fatalf("accepted %q, but no layout matches it on its own", line)
	})
}

// FuzzParseJSON feeds arbitrary lines to the istio_json parser and checks
// its scanner against encoding/json: what it accepts, encoding/json accepts
// and decodes to the same values; what encoding/json accepts (valid UTF-8,
// not nested past our limit) it does not reject as a syntax error.
func FuzzParseJSON(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if isJSONLine(s) {
			f.Add(s)
		}
	}
	p, err := ForName("istio_json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var rec storage.AccessLog
		err := p.Parse([]byte(line), testReporter, &rec)
		body, prefixTime, _ := splitPrefix(trimEOL(line))
		if err != nil {
			checkErrorText(t, err)
			var le *lineError
			if errors.As(err, &le) && le.syntax && utf8.ValidString(body) && !strings.Contains(body, strings.Repeat("[", maxJSONDepth/2)) {
				var m map[string]any
				if json.Unmarshal([]byte(body), &m) == nil && m != nil {
					t.Fatalf("rejected %q as bad JSON (%v), which encoding/json accepts", body, err)
				}
			}
			return
		}
		checkAgainstStdlib(t, body, prefixTime, rec)
	})
}

func trimEOL(s string) string { return strings.TrimRight(s, "\r\n") }

// checkErrorText: errors stay short whatever the input.
func checkErrorText(t *testing.T, err error) {
	if len(err.Error()) > 1200 {
		t.Fatalf("error of %d bytes: %.200s…", len(err.Error()), err)
	}
}

// checkTextRecord reports whether some built-in text layout matches s and
// gives rec; it fails the test when the match is not lossless, or when
// layouts that match s disagree.
func checkTextRecord(t *testing.T, s string, prefixTime time.Time, rec storage.AccessLog) bool {
	var matched []storage.AccessLog
	var names []string
	for _, p := range allTexts {
		raw := make([]string, len(p.ops))
		var got storage.AccessLog
		if p.match(s, &got, raw) != nil {
			continue
		}
		rebuilt := p.head
		for i := range p.ops {
			rebuilt += raw[i] + p.tails[i]
			checkField(t, p.name, p.ops[i], raw[i], got)
		}
		if rebuilt != s {
			t.Fatalf("%s: fields and literals rebuild %q, not the record %q", p.name, rebuilt, s)
		}
		finish(&got, prefixTime)
		matched, names = append(matched, got), append(names, p.name)
	}
	for i := 1; i < len(matched); i++ {
		if !sameRecord(matched[0], matched[i]) {
			t.Fatalf("%q is read differently by layouts %s and %s", s, names[0], names[i])
		}
	}
	return len(matched) > 0 && sameRecord(matched[0], rec)
}

// checkField compares a column with an independent conversion of the
// field's text.
func checkField(t *testing.T, layout string, o op, raw string, r storage.AccessLog) {
	fail := func(got any) {
		t.Fatalf("%s: field %d (%s) text %q gave %v", layout, o.index, o.name, raw, got)
	}
	null := raw == "-"
	switch k := kinds[o.field]; k {
	case kindNone:
	case kindTime:
		want, err := time.Parse(time.RFC3339Nano, raw)
		if null {
			want, err = time.Time{}, nil
		}
		if err != nil || !r.Start.Equal(want) {
			fail(r.Start)
		}
	case kindCode:
		want, err := strconv.ParseInt(raw, 10, 32)
		if null {
			want, err = 0, nil
		}
		if err != nil || want < 0 || int64(r.ResponseCode) != want {
			fail(r.ResponseCode)
		}
	case kindCount, kindMillis:
		got := *intField(&r, o.field)
		want, ok := refNumber(raw, k == kindMillis)
		if null {
			want, ok = 0, true
			if k == kindMillis {
				want = -1
			}
		}
		if !ok || got != want {
			fail(got)
		}
	default:
		got := *stringField(&r, o.field)
		want := raw
		if null {
			want = ""
		}
		if k == kindTrace && len(raw) == 55 && strings.Count(raw, "-") >= 3 {
			want = strings.Split(raw, "-")[1]
		}
		if got != want {
			fail(got)
		}
	}
}

// refNumber converts a count (digits) or milliseconds (a decimal) with the
// standard library.
func refNumber(raw string, millis bool) (int64, bool) {
	if raw == "" || raw[0] == '-' || raw[0] == '+' || strings.ContainsAny(raw, "xXpPiInN_") {
		return 0, false
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		if millis {
			if n > math.MaxInt64/1000 {
				return 0, false
			}
			return n * 1000, true
		}
		return n, true
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(f, 0) || !millis {
		return 0, false // a count in text is digits only
	}
	f = math.Round(f * 1000)
	return int64(f), f < 1<<63
}

// checkAgainstStdlib decodes body with encoding/json and checks that every
// Istio member gave the column rec holds.
func checkAgainstStdlib(t *testing.T, body string, prefixTime time.Time, rec storage.AccessLog) {
	if !json.Valid([]byte(body)) {
		t.Fatalf("accepted %q, which encoding/json rejects", body)
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		t.Fatalf("accepted %q, which encoding/json cannot decode to an object: %v", body, err)
	}
	want := blank
	for key, p := range istioJSON.keys {
		v, ok := m[key]
		if !ok {
			continue
		}
		o := p.ops[0]
		var err problem
		switch v := v.(type) {
		case nil:
			err = set(&want, o.field, "", true, false, o.time)
		case string:
			err = set(&want, o.field, v, v == "-" || v == "" && kinds[o.field].typed(), false, o.time)
		case json.Number:
			err = set(&want, o.field, v.String(), false, true, o.time)
		case bool:
			err = set(&want, o.field, strconv.FormatBool(v), false, false, o.time)
		default:
			t.Fatalf("accepted %s for member %q", v, key)
		}
		if err != noProblem {
			t.Fatalf("accepted member %q = %v, whose conversion fails: %v", key, v, err.describe(fmt.Sprint(v), o.time))
		}
	}
	finish(&want, prefixTime)
	if !sameRecord(want, rec) {
		t.Fatalf("JSON %q\n parsed %+v\nstdlib %+v", body, rec, want)
	}
}

// finish applies what lineParser does after a record parsed.
func finish(r *storage.AccessLog, prefixTime time.Time) {
	if r.Start.IsZero() {
		r.Start = prefixTime
	}
	r.Reporter = testReporter
	r.UpstreamCluster = strings.TrimSuffix(r.UpstreamCluster, ";")
	cluster.Derive(r)
}

func sameRecord(a, b storage.AccessLog) bool {
	if !a.Start.Equal(b.Start) {
		return false
	}
	a.Start, b.Start = time.Time{}, time.Time{}
	return a == b
}
