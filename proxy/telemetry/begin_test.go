package telemetry

import (
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/meshlens/meshlens/proxy/telemetry/b3"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// newTracing returns a Telemetry with tracing on (spans go to an address
// nothing is asked to receive: these tests look at headers only) and the
// access log off.
func newTracing(t *testing.T, percent float64, mod func(*Config)) *Telemetry {
	t.Helper()
	cfg := DefaultConfig()
	cfg.AccessLog.Output = OutputOff
	cfg.Tracing.ZipkinEndpoint = "http://127.0.0.1:1/api/v2/spans"
	cfg.Tracing.SamplingPercent = percent
	cfg.Tracing.MaxBacklog = 1 // these tests never Finish a sampled span they care about
	if mod != nil {
		mod(&cfg)
	}
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tel.Close(context.Background()) })
	return tel
}

func TestRequestID(t *testing.T) {
	tel := newTracing(t, 100, nil)
	h := http.Header{}
	o := tel.Begin(Inbound, h)
	if !uuidV4.MatchString(o.RequestID()) || h.Get("X-Request-Id") != o.RequestID() {
		t.Fatalf("generated id %q, header %q", o.RequestID(), h.Get("X-Request-Id"))
	}
	if o2 := tel.Begin(Inbound, http.Header{}); o2.RequestID() == o.RequestID() {
		t.Fatal("two requests got the same id")
	}
	h = http.Header{"X-Request-Id": {"kept-as-is"}}
	if o := tel.Begin(Outbound, h); o.RequestID() != "kept-as-is" || len(h["X-Request-Id"]) != 1 {
		t.Fatalf("existing id replaced: %q %v", o.RequestID(), h)
	}
	for range 1000 {
		if id := newRequestID(); !uuidV4.MatchString(id) {
			t.Fatalf("%q is not a UUID v4", id)
		}
	}
}

func TestBeginB3(t *testing.T) {
	const (
		tid  = "463ac35c9f6413ad48485a3953bb6124"
		sid  = "a2fb4a1d1a96d312"
		psid = "0020000000000001"
	)
	tests := []struct {
		name    string
		dir     Direction
		percent float64
		in      http.Header
		check   func(t *testing.T, c b3.Context, shared bool, out http.Header)
	}{
		{name: "outbound root", dir: Outbound, percent: 100, in: http.Header{},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if c.TraceIDHigh != 0 || c.TraceID != c.SpanID || c.ParentID != 0 || shared || !c.IsSampled() {
					t.Fatalf("root context %+v shared=%v", c, shared)
				}
				if out.Get("X-B3-Traceid") != b3.IDString(c.TraceID) || out.Get("X-B3-Sampled") != "1" ||
					out.Get("X-B3-Parentspanid") != "" || out.Get("B3") != "" {
					t.Fatalf("injected %v", out)
				}
			}},
		{name: "outbound child of the app's server span", dir: Outbound, percent: 0,
			in: http.Header{"X-B3-Traceid": {tid}, "X-B3-Spanid": {sid}, "X-B3-Parentspanid": {psid}, "X-B3-Sampled": {"1"}},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if c.TraceIDString() != tid || b3.IDString(c.ParentID) != sid || b3.IDString(c.SpanID) == sid || shared {
					t.Fatalf("child context %+v", c)
				}
				if out.Get("X-B3-Traceid") != tid || out.Get("X-B3-Parentspanid") != sid ||
					out.Get("X-B3-Spanid") != b3.IDString(c.SpanID) || out.Get("X-B3-Sampled") != "1" {
					t.Fatalf("injected %v", out)
				}
			}},
		{name: "inbound shares the client's span", dir: Inbound, percent: 0,
			in: http.Header{"X-B3-Traceid": {tid}, "X-B3-Spanid": {sid}, "X-B3-Parentspanid": {psid}, "X-B3-Sampled": {"1"}},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if c.TraceIDString() != tid || b3.IDString(c.SpanID) != sid || b3.IDString(c.ParentID) != psid || !shared {
					t.Fatalf("server context %+v shared=%v", c, shared)
				}
				if out.Get("X-B3-Spanid") != sid || out.Get("X-B3-Parentspanid") != psid {
					t.Fatalf("injected %v", out)
				}
			}},
		{name: "inbound root", dir: Inbound, percent: 100, in: http.Header{},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if shared || c.TraceID != c.SpanID || c.ParentID != 0 {
					t.Fatalf("root server context %+v shared=%v", c, shared)
				}
			}},
		{name: "deny is honoured and propagated", dir: Outbound, percent: 100,
			in: http.Header{"X-B3-Sampled": {"0"}},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if c.IsSampled() || out.Get("X-B3-Sampled") != "0" || out.Get("X-B3-Traceid") == "" {
					t.Fatalf("context %+v, headers %v", c, out)
				}
			}},
		{name: "debug forces sampling", dir: Outbound, percent: 0,
			in: http.Header{"X-B3-Flags": {"1"}},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if !c.Debug || !c.IsSampled() || out.Get("X-B3-Flags") != "1" || out.Get("X-B3-Sampled") != "1" {
					t.Fatalf("context %+v, headers %v", c, out)
				}
			}},
		{name: "percentage 0 denies new traces", dir: Outbound, percent: 0, in: http.Header{},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if c.IsSampled() || out.Get("X-B3-Sampled") != "0" {
					t.Fatalf("context %+v, headers %v", c, out)
				}
			}},
		{name: "single header in, single header replaced", dir: Outbound, percent: 0,
			in: http.Header{"B3": {tid + "-" + sid + "-1-" + psid}},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				want := tid + "-" + b3.IDString(c.SpanID) + "-1-" + sid
				if got := out.Get("B3"); got != want {
					t.Fatalf("b3 = %q, want %q", got, want)
				}
				if out.Get("X-B3-Traceid") != tid || out.Get("X-B3-Parentspanid") != sid {
					t.Fatalf("multi headers disagree with b3: %v", out)
				}
			}},
		{name: "64-bit trace id kept 64-bit", dir: Outbound, percent: 100,
			in: http.Header{"X-B3-Traceid": {"48485a3953bb6124"}, "X-B3-Spanid": {sid}},
			check: func(t *testing.T, c b3.Context, shared bool, out http.Header) {
				if out.Get("X-B3-Traceid") != "48485a3953bb6124" || !c.IsSampled() {
					t.Fatalf("headers %v", out)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTracing(t, tt.percent, nil)
			h := tt.in.Clone()
			o := tel.Begin(tt.dir, h).(*observation)
			c, ok := o.TraceContext()
			if !ok {
				t.Fatal("request not traced")
			}
			tt.check(t, c, o.shared, h)
		})
	}
}

func TestMalformedB3LeavesRequestUntraced(t *testing.T) {
	tel := newTracing(t, 100, nil)
	h := http.Header{"X-B3-Traceid": {"not-hex"}, "X-B3-Spanid": {"a2fb4a1d1a96d312"}}
	o := tel.Begin(Outbound, h).(*observation)
	if _, ok := o.TraceContext(); ok {
		t.Fatal("malformed B3 was traced")
	}
	if h.Get("X-B3-Traceid") != "not-hex" || h.Get("X-B3-Sampled") != "" {
		t.Fatalf("headers changed: %v", h)
	}
	if tel.Stats().BadB3 != 1 {
		t.Fatalf("BadB3 = %d", tel.Stats().BadB3)
	}
	o.Finish(&Record{ResponseCode: 200})
	if tel.Stats().Spans.Enqueued != 0 {
		t.Fatal("an untraced request produced a span")
	}
}

func Test128BitRoots(t *testing.T) {
	tel := newTracing(t, 100, func(c *Config) { c.Tracing.TraceID128Bit = true })
	h := http.Header{}
	tel.Begin(Outbound, h)
	if len(h.Get("X-B3-Traceid")) != 32 {
		t.Fatalf("trace id %q, want 32 hex digits", h.Get("X-B3-Traceid"))
	}
}

func TestTracingOffLeavesB3Alone(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AccessLog.Output = OutputOff
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())
	h := http.Header{"X-B3-Sampled": {"bogus"}}
	o := tel.Begin(Outbound, h)
	if h.Get("X-B3-Sampled") != "bogus" || h.Get("X-B3-Traceid") != "" || o.RequestID() == "" {
		t.Fatalf("headers %v", h)
	}
}

func TestSamplingPercentage(t *testing.T) {
	tel := newTracing(t, 25, nil)
	const n = 20000
	sampled := 0
	for range n {
		h := http.Header{}
		if c, _ := tel.Begin(Outbound, h).(*observation).TraceContext(); c.IsSampled() {
			sampled++
		}
	}
	// 25% of 20000: mean 5000, sd ≈ 61; 6 sd either side.
	if sampled < 5000-370 || sampled > 5000+370 {
		t.Fatalf("sampled %d of %d at 25%%", sampled, n)
	}
}
