package format

import (
	"strings"
	"testing"
	"time"
)

// TestJSONTypedEqualsStrings: the typed and the all-string encodings of a
// record give the same row, whatever the member order.
func TestJSONTypedEqualsStrings(t *testing.T) {
	typed := `{"start_time":"2022-11-30T12:11:42.183Z","response_code":200,"bytes_received":0,"bytes_sent":295,` +
		`"duration":14,"upstream_service_time":"13","x_forwarded_for":null,"route_name":"default","method":"GET"}`
	strs := `{"method":"GET","route_name":"default","x_forwarded_for":"-","upstream_service_time":"13","duration":"14",` +
		`"bytes_sent":"295","bytes_received":"0","response_code":"200","start_time":"2022-11-30T12:11:42.183Z"}`
	a, b := mustParse(t, "istio_json", typed), mustParse(t, "istio_json", strs)
	if a != b {
		t.Errorf("typed %+v\nstrings %+v", a, b)
	}
	if a.DurationMicros != 14000 || a.UpstreamServiceMicros != 13000 || a.BytesSent != 295 || a.ResponseCode != 200 {
		t.Errorf("record %+v", a)
	}
}

func TestJSONValues(t *testing.T) {
	for _, c := range []struct {
		name, line string
		check      func(t *testing.T, r recView)
	}{
		{"null and \"-\" durations are unknown", `{"duration":null,"upstream_service_time":"-"}`, func(t *testing.T, r recView) {
			r.eqInt(t, "DurationMicros", r.DurationMicros, -1)
			r.eqInt(t, "UpstreamServiceMicros", r.UpstreamServiceMicros, -1)
		}},
		{"empty string in a number is unknown", `{"duration":"","response_code":""}`, func(t *testing.T, r recView) {
			r.eqInt(t, "DurationMicros", r.DurationMicros, -1)
			r.eqInt(t, "ResponseCode", int64(r.ResponseCode), 0)
		}},
		{"doubles with no fraction are counts", `{"bytes_sent":1e3,"response_code":200.0,"duration":0.5}`, func(t *testing.T, r recView) {
			r.eqInt(t, "BytesSent", r.BytesSent, 1000)
			r.eqInt(t, "ResponseCode", int64(r.ResponseCode), 200)
			r.eqInt(t, "DurationMicros", r.DurationMicros, 500)
		}},
		{"the last duplicate member wins, as in encoding/json", `{"duration":3,"duration":null,"method":"GET","method":"POST"}`, func(t *testing.T, r recView) {
			r.eqInt(t, "DurationMicros", r.DurationMicros, -1)
			r.eq(t, "Method", r.Method, "POST")
		}},
		{"escapes and surrogates", `{"user_agent":"a\"b\\c\/d\n\u00e9\ud83d\ude00\ud800x\udc00","path":"/"}`, func(t *testing.T, r recView) {
			r.eq(t, "UserAgent", r.UserAgent, "a\"b\\c/d\né😀\uFFFDx\uFFFD")
		}},
		{"a number and a bool in text columns keep their text", `{"request_id":12345,"user_agent":true}`, func(t *testing.T, r recView) {
			r.eq(t, "RequestID", r.RequestID, "12345")
			r.eq(t, "UserAgent", r.UserAgent, "true")
		}},
		{"unknown and nested members are skipped", ` { "x" : [ { "y" : [ ] } , "}" , -1.5e-3 ] , "method" : "PUT" , "z" : { } } `, func(t *testing.T, r recView) {
			r.eq(t, "Method", r.Method, "PUT")
		}},
		{"start time with an offset", `{"start_time":"2021-05-30T20:50:42.181+02:00"}`, func(t *testing.T, r recView) {
			if !r.Start.Equal(time.Date(2021, 5, 30, 18, 50, 42, 181e6, time.UTC)) {
				t.Errorf("Start = %v", r.Start)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, recView{mustParse(t, "istio_json", c.line)})
		})
	}
}

// TestJSONDictionary: a custom JSON format keys members by name, compiles
// each member's value as a format, and accepts the dictionary written as
// TEXT (the same text, not valid JSON when a number is "-").
func TestJSONDictionary(t *testing.T) {
	const format = `{"t":"%START_TIME%","c":"%RESPONSE_CODE%","up":"%UPSTREAM_HOST% / %UPSTREAM_CLUSTER%","k":"const"}`
	r := recView{mustParse(t, format, `{"k":"const","up":"10.0.0.1:80 / outbound|80||a.b.svc.cluster.local","c":503,"t":"2024-01-01T00:00:00Z","other":1}`)}
	r.eqInt(t, "ResponseCode", int64(r.ResponseCode), 503)
	r.eq(t, "UpstreamHost", r.UpstreamHost, "10.0.0.1:80")
	r.eq(t, "UpstreamCluster", r.UpstreamCluster, "outbound|80||a.b.svc.cluster.local")
	r.eq(t, "DestinationService", r.DestinationService, "a")

	if _, err := parseWith(t, format, `{"up":"10.0.0.1:80"}`); err == nil || !strings.Contains(err.Error(),
		`key "up": at offset 0 of the value: field 1 (UPSTREAM_HOST): no " / " after it`) {
		t.Errorf("composite member error: %v", err)
	}
	// TEXT encoding of the same dictionary writes a quote in a value raw,
	// which is not JSON: the dictionary is then matched as text.
	q := recView{mustParse(t, `{"ua":"%REQ(USER-AGENT)%","c":"%RESPONSE_CODE%"}`, `{"ua":"say "hi"","c":"200"}`)}
	q.eq(t, "UserAgent", q.UserAgent, `say "hi"`)
	q.eqInt(t, "ResponseCode", int64(q.ResponseCode), 200)

	if _, err := parseWith(t, format, `{"up":17}`); err == nil || !strings.Contains(err.Error(), `key "up": expected a string, got a number`) {
		t.Errorf("composite member type error: %v", err)
	}
}
