package format

import (
	"strings"
	"testing"
	"time"
)

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct {
		format string
		want   string
	}{
		{"", "empty format"},
		{"just text\n", "no %COMMAND% operator"},
		{"%FOO% %BAR(x)%", "no operator maps to an access-log field"},
		{"[%START_TIME%] 100% done", "operator 2 at offset 18: '%' is not followed by a command name"},
		{"%RESPONSE_CODE% %REQ(:METHOD", "operator 2 at offset 16: %REQ( has no closing ')'"},
		{"%RESPONSE_CODE% %DURATION", "operator 2 at offset 16: %DURATION is not closed by '%'"},
		{"%REQ(USER-AGENT):x%", "operator 1 at offset 0: %REQ(USER-AGENT): ':' must be followed by a maximum length"},
		{"%RESPONSE_CODE%%DURATION%", "operators 1 (%RESPONSE_CODE%) and 2 (%DURATION%) at offset 15 are not separated"},
		{"%response_code%", "operator 1 at offset 0: '%' is not followed by a command name in capitals"},
		{"%START_TIME(%c)% %RESPONSE_CODE%", "operator 1 at offset 0: %START_TIME(%c)%: time format \"%c\": specifier %c at offset 0 is not supported"},
		{"%START_TIME(%d/%b/%Y at %H)% %RESPONSE_CODE%", "literal 'a' at offset 9 is not supported"},
		{"%START_TIME(%H.%3f)% x", "%f at offset 3 must follow"},
		{"%RESPONSE_CODE%\n%DURATION%\n", "offset 15: a newline before the end of the format"},
		{`{"code":"%RESPONSE_CODE%%DURATION%"}`, `key "code": operators 1 (%RESPONSE_CODE%) and 2 (%DURATION%)`},
		{`{"a":"%FOO%","b":1}`, "no member of the JSON format maps to an access-log field"},
	} {
		_, err := Compile(c.format)
		if err == nil {
			t.Errorf("Compile(%q) succeeded, want error %q", c.format, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "format ") {
			t.Errorf("Compile(%q) error\n %v\nwant it to contain\n %s", c.format, err, c.want)
		}
	}
}

func TestForNameErrors(t *testing.T) {
	if _, err := ForName(""); err == nil || !strings.Contains(err.Error(), "empty name") {
		t.Errorf("ForName(\"\") = %v", err)
	}
	if _, err := ForName("istio-1.8"); err == nil || !strings.Contains(err.Error(), "no %COMMAND% operator") {
		t.Errorf("an unknown name is compiled as a format string and fails: %v", err)
	}
}

// TestIstio19SameAsCurrent: the 1.9–1.22 format (%UPSTREAM_CLUSTER%) and
// the current one (%UPSTREAM_CLUSTER_RAW%) are the same layout.
func TestIstio19SameAsCurrent(t *testing.T) {
	a, b := mustText("a", istio19Format), mustText("b", istioFormat)
	if a.head != b.head || len(a.ops) != len(b.ops) || strings.Join(a.tails, "|") != strings.Join(b.tails, "|") {
		t.Fatal("layouts differ in their literal text")
	}
	for i := range a.ops {
		if a.ops[i].field != b.ops[i].field {
			t.Errorf("operator %d: %s vs %s fill different fields", i+1, a.ops[i].name, b.ops[i].name)
		}
	}
}

func TestCompileOperators(t *testing.T) {
	p, err := parseProgram("t", "a%%b %REQ(x-Request-ID):12% %START_TIME(%Y)% %DYNAMIC_METADATA(istio.mixer:status)% c\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.head != "a%b " || len(p.ops) != 3 || strings.Join(p.tails, "|") != " | | c" {
		t.Fatalf("head %q tails %q ops %d", p.head, p.tails, len(p.ops))
	}
	want := []struct {
		name   string
		field  field
		offset int
	}{{"REQ(x-Request-ID)", fRequestID, 5}, {"START_TIME(%Y)", fStart, 28}, {"DYNAMIC_METADATA(istio.mixer:status)", fNone, 45}}
	for i, w := range want {
		o := p.ops[i]
		if o.name != w.name || o.field != w.field || o.offset != w.offset || o.index != i+1 {
			t.Errorf("op %d = %+v, want %+v", i, o, w)
		}
	}
}

// TestCustomFormats parses lines of custom formats, one check each.
func TestCustomFormats(t *testing.T) {
	for _, c := range []struct {
		name, format, line string
		check              func(t *testing.T, r recView)
	}{
		{"header names are case-insensitive", `%REQ(x-request-id)% %REQ(User-Agent)% %RESP(x-envoy-upstream-service-time)%`,
			`id-1 curl/8 42`, func(t *testing.T, r recView) {
				r.eq(t, "RequestID", r.RequestID, "id-1")
				r.eq(t, "UserAgent", r.UserAgent, "curl/8")
				r.eqInt(t, "UpstreamServiceMicros", r.UpstreamServiceMicros, 42000)
			}},
		{"unknown operators are parsed over", `%RESPONSE_CODE% %UPSTREAM_WIRE_BYTES_SENT% %GRPC_STATUS(CAMEL_STRING)% %DURATION%`,
			`200 1234 OK 3`, func(t *testing.T, r recView) {
				r.eqInt(t, "ResponseCode", int64(r.ResponseCode), 200)
				r.eqInt(t, "DurationMicros", r.DurationMicros, 3000)
			}},
		{"fractional milliseconds", `%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%`, `0.25 1.5`, func(t *testing.T, r recView) {
			r.eqInt(t, "DurationMicros", r.DurationMicros, 250)
			r.eqInt(t, "UpstreamServiceMicros", r.UpstreamServiceMicros, 1500)
		}},
		{"REQ_WITHOUT_QUERY and HOST", `%REQ_WITHOUT_QUERY(X-ENVOY-ORIGINAL-PATH?:PATH)% %REQ(HOST)%`, `/a/b web:80`, func(t *testing.T, r recView) {
			r.eq(t, "Path", r.Path, "/a/b")
			r.eq(t, "Authority", r.Authority, "web:80")
		}},
		{"text fields keep spaces and quotes", `"%REQ(USER-AGENT)%" %RESPONSE_CODE%`, `"a "b"c" 200`, func(t *testing.T, r recView) {
			r.eq(t, "UserAgent", r.UserAgent, `a "b"c`)
		}},
		{"epoch seconds", `%START_TIME(%s)% %RESPONSE_CODE%`, `1700000000 200`, func(t *testing.T, r recView) {
			if !r.Start.Equal(time.Unix(1700000000, 0)) {
				t.Errorf("Start = %v", r.Start)
			}
		}},
		{"B3 trace id", `%REQ(X-B3-TRACEID)% %TRACE_ID% %RESPONSE_CODE%`, `80f198ee56343ba864fe8b2a57d3eff7 - 200`, func(t *testing.T, r recView) {
			// both fill TraceID; the later "-" clears it: operators are applied in order
			r.eq(t, "TraceID", r.TraceID, "")
		}},
		{"a traceparent that is not W3C is kept whole", `%REQ(TRACEPARENT)% %RESPONSE_CODE%`, `xyz 200`, func(t *testing.T, r recView) {
			r.eq(t, "TraceID", r.TraceID, "xyz")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, recView{mustParse(t, c.format, c.line)})
		})
	}
}
