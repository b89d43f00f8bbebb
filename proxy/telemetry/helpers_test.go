package telemetry

import (
	"bufio"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readLines returns the non-comment, non-blank lines of a testdata file.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// recordFrom turns a parsed row back into the Record that would log it.
func recordFrom(a *storage.AccessLog) Record {
	ust := time.Duration(-1)
	if a.UpstreamServiceMicros >= 0 {
		ust = time.Duration(a.UpstreamServiceMicros) * time.Microsecond
	}
	return Record{
		Start: a.Start, Duration: time.Duration(a.DurationMicros) * time.Microsecond,
		Method: a.Method, Path: a.Path, Protocol: a.Protocol,
		ResponseCode: int(a.ResponseCode), ResponseFlags: a.ResponseFlags, ResponseCodeDetails: a.ResponseCodeDetails,
		ConnectionTerminationDetails: a.ConnTerminationInfo, UpstreamTransportFailureReason: a.UpstreamFailure,
		BytesReceived: a.BytesReceived, BytesSent: a.BytesSent, UpstreamServiceTime: ust,
		XForwardedFor: a.XForwardedFor, UserAgent: a.UserAgent, RequestID: a.RequestID, Authority: a.Authority,
		UpstreamHost: a.UpstreamHost, UpstreamCluster: a.UpstreamCluster, UpstreamLocalAddress: a.UpstreamLocalAddress,
		DownstreamLocalAddress: a.DownstreamLocal, DownstreamRemoteAddress: a.DownstreamRemote,
		RequestedServerName: a.SNI, RouteName: a.RouteName,
	}
}

// wantRow is the row the receiver must parse from r's log line: times
// at Envoy's millisecond resolution.
func wantRow(r *Record) storage.AccessLog {
	ust := int64(-1)
	if r.UpstreamServiceTime >= 0 {
		ust = millis(r.UpstreamServiceTime) * 1000
	}
	return storage.AccessLog{
		Start: r.Start.UTC().Truncate(time.Millisecond), DurationMicros: millis(r.Duration) * 1000,
		Method: r.Method, Path: r.Path, Protocol: r.Protocol,
		ResponseCode: int32(r.ResponseCode), ResponseFlags: r.ResponseFlags, ResponseCodeDetails: r.ResponseCodeDetails,
		ConnTerminationInfo: r.ConnectionTerminationDetails, UpstreamFailure: r.UpstreamTransportFailureReason,
		BytesReceived: r.BytesReceived, BytesSent: r.BytesSent, UpstreamServiceMicros: ust,
		XForwardedFor: r.XForwardedFor, UserAgent: r.UserAgent, RequestID: r.RequestID, Authority: r.Authority,
		UpstreamHost: r.UpstreamHost, UpstreamCluster: r.UpstreamCluster, UpstreamLocalAddress: r.UpstreamLocalAddress,
		DownstreamLocal: r.DownstreamLocalAddress, DownstreamRemote: r.DownstreamRemoteAddress,
		SNI: r.RequestedServerName, RouteName: r.RouteName,
	}
}

// logColumns blanks what the receiver derives (reporter, peers, trace
// id), leaving the logged columns to compare.
func logColumns(a storage.AccessLog) storage.AccessLog {
	a.Reporter = storage.Reporter{}
	a.SourceService, a.SourceNamespace, a.SourceVersion = "", "", ""
	a.DestinationService, a.DestinationNamespace, a.DestinationVersion = "", "", ""
	a.TraceID = ""
	a.Start = a.Start.UTC()
	return a
}

var (
	productpage = Peer{Workload: "productpage-v1", Namespace: "default", App: "productpage", Version: "v1",
		Service: "productpage.default.svc.cluster.local", Principal: "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"}
	reviewsV2 = Peer{Workload: "reviews-v2", Namespace: "default", App: "reviews", Version: "v2",
		Service: "reviews.default.svc.cluster.local", Principal: "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"}
)

// sampleRecords covers the shapes a proxy logs: both directions, errors
// with flags and details, no response, unknown times, IPv6, a query.
func sampleRecords() []Record {
	start := time.Date(2026, 11, 29, 20, 1, 2, 345678901, time.UTC)
	return []Record{
		{
			Direction: Outbound, Start: start, Duration: 12*time.Millisecond + 900*time.Microsecond,
			Method: "GET", Path: "/reviews/0?user=jason", Protocol: "HTTP/1.1",
			ResponseCode: 200, ResponseCodeDetails: "via_upstream", BytesSent: 295, UpstreamServiceTime: 11 * time.Millisecond,
			UserAgent: "python-requests/2.31.0", RequestID: "6d67d674-2122-4a2d-b172-0be70c674371",
			Authority: "reviews:9080", UpstreamHost: "10.244.0.12:9080",
			UpstreamCluster: "outbound|9080|v2|reviews.default.svc.cluster.local", UpstreamLocalAddress: "10.244.0.9:40012",
			DownstreamLocalAddress: "10.96.12.7:9080", DownstreamRemoteAddress: "10.244.0.9:51234", RouteName: "reviews",
			Source: productpage, Destination: reviewsV2, Attempts: 1,
		},
		{
			Direction: Inbound, Start: start.Add(time.Millisecond), Duration: 9 * time.Millisecond,
			Method: "POST", Path: "/ratings/0", Protocol: "HTTP/2",
			ResponseCode: 503, ResponseFlags: "UF,URX",
			ResponseCodeDetails:            "upstream_reset_before_response_started{connection_failure}",
			UpstreamTransportFailureReason: "delayed connect error: 111",
			BytesReceived:                  48, BytesSent: 91, UpstreamServiceTime: -1,
			XForwardedFor: "10.244.0.1", UserAgent: "Go-http-client/2.0", RequestID: "44898dba-8d8e-48f4-93f7-23e4b4c592c0",
			Authority: "ratings:9080", UpstreamHost: "127.0.0.1:9080", UpstreamCluster: "inbound|9080||",
			UpstreamLocalAddress: "127.0.0.6:45678", DownstreamLocalAddress: "10.244.0.14:9080",
			DownstreamRemoteAddress: "10.244.0.12:38766", RequestedServerName: "outbound_.9080_._.ratings.default.svc.cluster.local",
			RouteName: "default", Source: reviewsV2, Attempts: 3,
		},
		{
			Direction: Outbound, Start: start, Duration: 0, Method: "GET", Path: "/", Protocol: "HTTP/1.1",
			ResponseCode: 0, ResponseFlags: "DC", ResponseCodeDetails: "downstream_remote_disconnect",
			ConnectionTerminationDetails: "rbac_access_denied_matched_policy[none]", UpstreamServiceTime: -1,
			RequestID: "069c37c4-bead-49ae-8ef3-fe9fdca1602b", Authority: "[::1]:8080",
			UpstreamCluster:        "outbound|8080||x.default.svc.cluster.local",
			DownstreamLocalAddress: "[::1]:15001", DownstreamRemoteAddress: "[2001:db8::7]:1234",
		},
		{
			Direction: Outbound, Start: start, Duration: 3 * time.Millisecond, Method: "GET", Path: "/", Protocol: "HTTP/1.1",
			ResponseCode: 404, ResponseFlags: "NR", ResponseCodeDetails: "route_not_found", UpstreamServiceTime: -1,
			XForwardedFor: "192.168.0.3", UserAgent: "curl/8.7.1 (x86_64) \u00e9t\u00e9", RequestID: "4828cac7-ae2d-91e7-9699-a6c2e9a82321",
			Authority: "unknown.example.com",
		},
	}
}
