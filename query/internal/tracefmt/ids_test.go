package tracefmt

import (
	"errors"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

func TestParseTraceID(t *testing.T) {
	cases := []struct {
		in   string
		want storage.TraceID
		err  string
	}{
		{"978883983d506fa5", storage.TraceID{Low: 0x978883983d506fa5}, ""},
		{"978883983D506FA5", storage.TraceID{Low: 0x978883983d506fa5}, ""},
		{"4e441824ec2b6a44ffdc9bb9a6453df3", storage.TraceID{High: 0x4e441824ec2b6a44, Low: 0xffdc9bb9a6453df3}, ""},
		{"0000000000000000978883983d506fa5", storage.TraceID{Low: 0x978883983d506fa5}, ""},
		{"", storage.TraceID{}, "got 0"},
		{"abc", storage.TraceID{}, "got 3"},
		{"978883983d506fa", storage.TraceID{}, "got 15"},
		{"978883983d506fag", storage.TraceID{}, "not hexadecimal"},
		{"+978883983d506fa", storage.TraceID{}, "not hexadecimal"},
		{"0x78883983d506fa", storage.TraceID{}, "not hexadecimal"},
		{"0000000000000000", storage.TraceID{}, "all zeros"},
		{strings.Repeat("a", 100), storage.TraceID{}, "…"},
	}
	for _, c := range cases {
		got, err := ParseTraceID(c.in)
		if c.err != "" {
			if err == nil || !errors.Is(err, ErrTraceID) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseTraceID(%q) error = %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseTraceID(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestTraceIDString(t *testing.T) {
	if got := TraceIDString(storage.TraceID{Low: 0xa}); got != "000000000000000a" {
		t.Errorf("64-bit id = %s", got)
	}
	id := storage.TraceID{High: 0x4e441824ec2b6a44, Low: 0xffdc9bb9a6453df3}
	if got := TraceIDString(id); got != "4e441824ec2b6a44ffdc9bb9a6453df3" {
		t.Errorf("128-bit id = %s", got)
	}
	if got := TraceIDString32(storage.TraceID{Low: 1}); got != "00000000000000000000000000000001" {
		t.Errorf("TraceIDString32 = %s", got)
	}
}

// FuzzParseTraceID checks that any accepted id prints back to itself
// (modulo case and a zero high half) and that nothing panics.
func FuzzParseTraceID(f *testing.F) {
	for _, s := range []string{"978883983d506fa5", "4e441824ec2b6a44ffdc9bb9a6453df3", "", "zz", "0000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseTraceID(s)
		if err != nil {
			if !errors.Is(err, ErrTraceID) {
				t.Fatalf("error %v does not wrap ErrTraceID", err)
			}
			return
		}
		back, err := ParseTraceID(TraceIDString(id))
		if err != nil || back != id {
			t.Fatalf("round trip of %q: %+v, %v", s, back, err)
		}
		if want := strings.ToLower(s); TraceIDString32(id)[32-len(s):] != want {
			t.Fatalf("%q printed as %s", s, TraceIDString32(id))
		}
	})
}
