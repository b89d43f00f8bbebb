package b3

import (
	"net/http"
	"regexp"
	"testing"
)

// singleRE is the B3 single-header grammar, as an independent oracle.
var singleRE = regexp.MustCompile(`^(?:[01d]|(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{32})-[0-9a-fA-F]{16}(?:-[01d](?:-[0-9a-fA-F]{16})?)?)$`)

func FuzzParseSingle(f *testing.F) {
	for _, s := range []string{
		"0", "1", "d", "", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
		"64fe8b2a57d3eff7-e457b5a2e4d86bd1", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-d",
		"0000000000000000-e457b5a2e4d86bd1", "a-b-c-d-e", "64fe8b2a57d3eff7--1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseSingle(s)
		grammar := singleRE.MatchString(s)
		if err == nil && !grammar {
			t.Fatalf("ParseSingle(%q) accepted a value outside the B3 grammar: %+v", s, c)
		}
		if err != nil {
			if grammar && !zeroID(s) {
				t.Fatalf("ParseSingle(%q) rejected a valid value: %v", s, err)
			}
			return
		}
		if !c.Valid() {
			return
		}
		back, err := ParseSingle(string(AppendSingle(nil, c)))
		if err != nil || back != c {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", s, back, err, c)
		}
	})
}

// zeroID reports whether a grammatical value holds an all-zero id, which
// the grammar allows but B3 forbids.
func zeroID(s string) bool {
	return regexp.MustCompile(`(^|-)(0{16}|0{32})(-|$)`).MatchString(s)
}

func FuzzExtractMulti(f *testing.F) {
	f.Add("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "0020000000000001", "1", "")
	f.Add("48485a3953bb6124", "a2fb4a1d1a96d312", "", "true", "1")
	f.Add("", "", "", "0", "")
	f.Add("x", "y", "z", "w", "v")
	f.Fuzz(func(t *testing.T, tid, sid, pid, sampled, flags string) {
		c, found, err := ParseMulti(tid, sid, pid, sampled, flags)
		if err != nil {
			if found != None || c != (Context{}) {
				t.Fatalf("error %v came with a context %+v, %v", err, c, found)
			}
			return
		}
		if found != Full {
			if c.Valid() {
				t.Fatalf("found %v with ids: %+v", found, c)
			}
			return
		}
		if !c.Valid() {
			t.Fatalf("Full without ids: %+v", c)
		}
		h := http.Header{}
		Inject(h, c, true)
		back, found2, err := Extract(h)
		if err != nil || found2 != Full || back.TraceIDHigh != c.TraceIDHigh || back.TraceID != c.TraceID ||
			back.SpanID != c.SpanID || back.ParentID != c.ParentID || back.IsSampled() != c.IsSampled() {
			t.Fatalf("round trip: %+v, %v, %v; want %+v", back, found2, err, c)
		}
		// The two header forms must agree.
		m, _, err := ParseMulti(h.Get(HeaderTraceID), h.Get(HeaderSpanID), h.Get(HeaderParentID), h.Get(HeaderSampled), h.Get(HeaderFlags))
		if err != nil || m.TraceID != back.TraceID || m.SpanID != back.SpanID || m.ParentID != back.ParentID {
			t.Fatalf("multi %+v (%v) and single %+v disagree", m, err, back)
		}
	})
}
