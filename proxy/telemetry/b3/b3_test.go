package b3

import (
	"errors"
	"net/http"
	"testing"
)

func TestParseSingle(t *testing.T) {
	tests := []struct {
		in      string
		want    Context
		wantErr error
	}{
		{in: "0", want: Context{Sampled: Deny}},
		{in: "1", want: Context{Sampled: Accept}},
		{in: "d", want: Context{Sampled: Accept, Debug: true}},
		{in: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
			want: Context{TraceIDHigh: 0x80f198ee56343ba8, TraceID: 0x64fe8b2a57d3eff7, SpanID: 0xe457b5a2e4d86bd1, ParentID: 0x05e3ac9a4f6e3b90, Sampled: Accept}},
		{in: "64fe8b2a57d3eff7-e457b5a2e4d86bd1",
			want: Context{TraceID: 0x64fe8b2a57d3eff7, SpanID: 0xe457b5a2e4d86bd1}},
		{in: "64FE8B2A57D3EFF7-E457B5A2E4D86BD1-0",
			want: Context{TraceID: 0x64fe8b2a57d3eff7, SpanID: 0xe457b5a2e4d86bd1, Sampled: Deny}},
		{in: "64fe8b2a57d3eff7-e457b5a2e4d86bd1-d",
			want: Context{TraceID: 0x64fe8b2a57d3eff7, SpanID: 0xe457b5a2e4d86bd1, Sampled: Accept, Debug: true}},
		{in: "", wantErr: ErrSingle},
		{in: "2", wantErr: ErrSampled},
		{in: "true", wantErr: ErrSingle},
		{in: "64fe8b2a57d3eff7", wantErr: ErrSingle},
		{in: "64fe8b2a57d3eff7-", wantErr: ErrSpanID},
		{in: "64fe8b2a57d3eff-e457b5a2e4d86bd1", wantErr: ErrTraceID},
		{in: "0000000000000000-e457b5a2e4d86bd1", wantErr: ErrTraceID},
		{in: "00000000000000000000000000000000-e457b5a2e4d86bd1", wantErr: ErrTraceID},
		{in: "64fe8b2a57d3eff7-0000000000000000", wantErr: ErrSpanID},
		{in: "64fe8b2a57d3eff7-e457b5a2e4d86bd1-x", wantErr: ErrSampled},
		{in: "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3", wantErr: ErrParentID},
		{in: "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-1", wantErr: ErrSingle},
		{in: "64fe8b2a57d3eff7-+457b5a2e4d86bd1", wantErr: ErrSpanID},
		{in: "64fe8b2a57d3eff70-e457b5a2e4d86bd1", wantErr: ErrTraceID},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSingle(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseSingle(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("ParseSingle(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name      string
		h         http.Header
		want      Context
		wantFound Found
		wantErr   bool
	}{
		{name: "none", h: http.Header{}, wantFound: None},
		{name: "multi full", h: http.Header{
			HeaderTraceID: {"463ac35c9f6413ad48485a3953bb6124"}, HeaderSpanID: {"a2fb4a1d1a96d312"},
			HeaderParentID: {"0020000000000001"}, HeaderSampled: {"1"},
		}, want: Context{TraceIDHigh: 0x463ac35c9f6413ad, TraceID: 0x48485a3953bb6124, SpanID: 0xa2fb4a1d1a96d312, ParentID: 0x0020000000000001, Sampled: Accept}, wantFound: Full},
		{name: "multi 64-bit no decision", h: http.Header{HeaderTraceID: {"48485a3953bb6124"}, HeaderSpanID: {"a2fb4a1d1a96d312"}},
			want: Context{TraceID: 0x48485a3953bb6124, SpanID: 0xa2fb4a1d1a96d312}, wantFound: Full},
		{name: "sampled words", h: http.Header{HeaderSampled: {"false"}}, want: Context{Sampled: Deny}, wantFound: DecisionOnly},
		{name: "debug flag", h: http.Header{HeaderFlags: {"1"}}, want: Context{Sampled: Accept, Debug: true}, wantFound: DecisionOnly},
		{name: "trace id without span id is no context", h: http.Header{HeaderTraceID: {"48485a3953bb6124"}}, wantFound: None},
		{name: "single wins over multi", h: http.Header{
			HeaderSingle: {"48485a3953bb6124-a2fb4a1d1a96d312-0"}, HeaderTraceID: {"1111111111111111"}, HeaderSpanID: {"2222222222222222"},
		}, want: Context{TraceID: 0x48485a3953bb6124, SpanID: 0xa2fb4a1d1a96d312, Sampled: Deny}, wantFound: Full},
		{name: "single decision only", h: http.Header{HeaderSingle: {"0"}}, want: Context{Sampled: Deny}, wantFound: DecisionOnly},
		{name: "bad sampled", h: http.Header{HeaderSampled: {"yes"}}, wantErr: true},
		{name: "bad flags", h: http.Header{HeaderFlags: {"2"}}, wantErr: true},
		{name: "bad trace id", h: http.Header{HeaderTraceID: {"xyz"}, HeaderSpanID: {"a2fb4a1d1a96d312"}}, wantErr: true},
		{name: "bad span id", h: http.Header{HeaderTraceID: {"48485a3953bb6124"}, HeaderSpanID: {"a2fb4a1d1a96d31"}}, wantErr: true},
		{name: "bad parent", h: http.Header{HeaderTraceID: {"48485a3953bb6124"}, HeaderSpanID: {"a2fb4a1d1a96d312"}, HeaderParentID: {"0"}}, wantErr: true},
		{name: "bad single", h: http.Header{HeaderSingle: {"garbage"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := Extract(tt.h)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Extract error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got != tt.want || found != tt.wantFound {
				t.Fatalf("Extract = %+v, %v; want %+v, %v", got, found, tt.want, tt.wantFound)
			}
		})
	}
}

func TestInject(t *testing.T) {
	tests := []struct {
		name   string
		c      Context
		single bool
		want   http.Header
	}{
		{name: "root 64-bit sampled", c: Context{TraceID: 0xabc, SpanID: 0xabc, Sampled: Accept},
			want: http.Header{HeaderTraceID: {"0000000000000abc"}, HeaderSpanID: {"0000000000000abc"}, HeaderSampled: {"1"}}},
		{name: "child 128-bit denied with single", single: true,
			c: Context{TraceIDHigh: 1, TraceID: 2, SpanID: 3, ParentID: 4, Sampled: Deny},
			want: http.Header{
				HeaderTraceID: {"00000000000000010000000000000002"}, HeaderSpanID: {"0000000000000003"},
				HeaderParentID: {"0000000000000004"}, HeaderSampled: {"0"},
				HeaderSingle: {"00000000000000010000000000000002-0000000000000003-0-0000000000000004"},
			}},
		{name: "debug", single: true, c: Context{TraceID: 2, SpanID: 3, Sampled: Accept, Debug: true},
			want: http.Header{
				HeaderTraceID: {"0000000000000002"}, HeaderSpanID: {"0000000000000003"},
				HeaderSampled: {"1"}, HeaderFlags: {"1"}, HeaderSingle: {"0000000000000002-0000000000000003-d"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Stale headers from the caller must all be replaced or removed.
			h := http.Header{
				HeaderParentID: {"ffffffffffffffff"}, HeaderFlags: {"0"}, HeaderSingle: {"1"},
				"User-Agent": {"kept"},
			}
			Inject(h, tt.c, tt.single)
			tt.want["User-Agent"] = []string{"kept"}
			if len(h) != len(tt.want) {
				t.Fatalf("Inject wrote %v, want %v", h, tt.want)
			}
			for k, v := range tt.want {
				if len(h[k]) != 1 || h[k][0] != v[0] {
					t.Fatalf("header %s = %q, want %q (all: %v)", k, h[k], v, h)
				}
			}
			back, found, err := Extract(h)
			if err != nil || found != Full || back.TraceID != tt.c.TraceID || back.SpanID != tt.c.SpanID ||
				back.ParentID != tt.c.ParentID || back.IsSampled() != tt.c.IsSampled() {
				t.Fatalf("Extract(Inject(c)) = %+v, %v, %v; want %+v", back, found, err, tt.c)
			}
		})
	}
}
