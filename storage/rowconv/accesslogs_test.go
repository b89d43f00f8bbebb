package rowconv

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/meshlens/meshlens/storage"
)

func sampleAccessLogs() []storage.AccessLog {
	start := time.Date(2020, 11, 25, 21, 26, 18, 409_000_000, time.UTC)
	return []storage.AccessLog{
		{
			Start: start, DurationMicros: 4000, Method: "GET", Path: "/status/418", Protocol: "HTTP/1.1",
			ResponseCode: 418, ResponseCodeDetails: "via_upstream", BytesSent: 135, UpstreamServiceMicros: 4000,
			UserAgent: "curl/7.73.0-DEV", RequestID: "84961386-6d84-929d-98bd-c5aee93b5c88", Authority: "httpbin:8000",
			UpstreamHost: "10.44.1.27:80", UpstreamCluster: "outbound|8000||httpbin.foo.svc.cluster.local",
			UpstreamLocalAddress: "10.44.1.23:37652", DownstreamLocal: "10.0.45.184:8000", DownstreamRemote: "10.44.1.23:46520",
			RouteName:     "default",
			Reporter:      storage.Reporter{Direction: "source", Service: "sleep", Namespace: "foo", Version: "v1", Workload: "sleep"},
			SourceService: "sleep", SourceNamespace: "foo", SourceVersion: "v1",
			DestinationService: "httpbin", DestinationNamespace: "foo",
		},
		{ // TCP: no code, unknown durations
			Start: start.Add(time.Second), DurationMicros: -1, UpstreamServiceMicros: -1, ResponseFlags: "UF,URX",
			BytesReceived: 791, BytesSent: 2502541, UpstreamCluster: "outbound|443||edition.cnn.com",
			Reporter:      storage.Reporter{Direction: "source", Service: "sleep", Namespace: "foo", Version: "v1", Workload: "sleep"},
			SourceService: "sleep", DestinationService: "edition.cnn.com",
		},
		{
			Start: start, DurationMicros: 1234, UpstreamServiceMicros: 1000, Method: "GET", Path: "/status/418",
			Protocol: "HTTP/1.1", ResponseCode: 418,
			Reporter:      storage.Reporter{Direction: "destination", Service: "httpbin", Namespace: "foo", Version: "v1"},
			SourceService: "unknown", DestinationService: "httpbin", DestinationNamespace: "foo", DestinationVersion: "v1",
		},
	}
}

func TestAccessLogsRoundTrip(t *testing.T) {
	in := sampleAccessLogs()
	dl := []storage.DeadLetter{{Received: time.Unix(100, 0).UTC(), Source: "file:/a.log:10", Signal: "logs",
		Error: "field 3: bad", Raw: []byte{0xff, 0, 'x'}, Size: 3}}
	ld := plog.NewLogs()
	AppendAccessLogs(ld, in)
	AppendDeadLetters(ld, dl)
	if got := ld.ResourceLogs().Len(); got != 3 {
		t.Errorf("%d resources, want 3 (two reporters + dead letters)", got)
	}
	recs, dls := AccessLogsFromLogs(ld, nil, nil, nil)
	for i := range recs {
		recs[i].Start = recs[i].Start.UTC()
	}
	if !reflect.DeepEqual(recs, in) {
		t.Errorf("access logs round trip:\n got %+v\nwant %+v", recs, in)
	}
	for i := range dls {
		dls[i].Received = dls[i].Received.UTC()
	}
	if !reflect.DeepEqual(dls, dl) {
		t.Errorf("dead letters round trip:\n got %+v\nwant %+v", dls, dl)
	}
}

// OTLP logs from other producers: Istio JSON keys with string or typed
// values, and records that are not access logs at all.
func TestAccessLogsFromForeignOTLP(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(ResourceService, "frontend")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	good := lrs.AppendEmpty()
	a := good.Attributes()
	a.PutStr(AttrStartTime, "2021-05-30T18:50:42.181Z")
	a.PutStr(AttrResponseCode, "404")
	a.PutInt(AttrDuration, 3)
	a.PutStr(AttrUpstreamServiceTime, "2")
	a.PutStr(AttrRouteName, "-")
	a.PutStr(AttrUpstreamCluster, "outbound|80||frontend.online-boutique.svc.cluster.local")
	bad := lrs.AppendEmpty()
	bad.Attributes().PutStr(AttrResponseCode, "abc")
	bad.Body().SetStr("raw line")
	other := lrs.AppendEmpty()
	other.Body().SetStr("an application log line")

	derived := 0
	recs, dls := AccessLogsFromLogs(ld, nil, nil, func(r *storage.AccessLog) { derived++; r.DestinationService = "x" })
	if len(recs) != 1 || len(dls) != 2 {
		t.Fatalf("got %d records, %d dead letters; want 1 and 2", len(recs), len(dls))
	}
	r := recs[0]
	if r.ResponseCode != 404 || r.DurationMicros != 3000 || r.UpstreamServiceMicros != 2000 || r.RouteName != "" ||
		r.Reporter.Service != "frontend" || r.Start.UnixMilli() != 1622400642181 || derived != 1 {
		t.Errorf("record %+v", r)
	}
	if !strings.Contains(dls[0].Error, `response_code: "abc" is not an integer`) || string(dls[0].Raw) != "raw line" {
		t.Errorf("dead letter 0: %+v", dls[0])
	}
	if dls[1].Error != errNotAccessLog.Error() {
		t.Errorf("dead letter 1: %+v", dls[1])
	}
}

func FuzzAccessLogAttrs(f *testing.F) {
	f.Add("404", "3.5", "2021-05-30T18:50:42.181Z", "12")
	f.Add("-", "-", "", "-")
	f.Add("99999999999", "1e300", "x", "-1")
	f.Fuzz(func(t *testing.T, code, dur, start, bytes string) {
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		a := lr.Attributes()
		a.PutStr(AttrResponseCode, code)
		a.PutStr(AttrDuration, dur)
		a.PutStr(AttrStartTime, start)
		a.PutStr(AttrBytesSent, bytes)
		recs, dls := AccessLogsFromLogs(ld, nil, nil, nil)
		if len(recs)+len(dls) != 1 {
			t.Fatalf("one record in, %d rows and %d dead letters out", len(recs), len(dls))
		}
	})
}
