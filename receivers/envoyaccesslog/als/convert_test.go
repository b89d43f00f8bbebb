package als

import (
	"regexp"
	"testing"

	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/meshlens/meshlens/storage"
)

var flagsRE = regexp.MustCompile(`^([A-Z]+(,[A-Z]+)*)?$`)

// FuzzConvertMessage decodes arbitrary bytes as a stream message (as gRPC
// would) and converts it: no panic, every entry becomes a row or a bad
// entry, and rows keep the documented invariants.
func FuzzConvertMessage(f *testing.F) {
	for _, m := range []*accesslogv3.StreamAccessLogsMessage{
		identified(productpageNode(f), httpMsg(outboundHTTP())),
		tcpMsg(&datav3.TCPAccessLogEntry{CommonProperties: &datav3.AccessLogCommon{StartTime: timestamppb.New(t0)}}),
		httpMsg(&datav3.HTTPAccessLogEntry{}),
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var msg accesslogv3.StreamAccessLogsMessage
		if proto.Unmarshal(data, &msg) != nil {
			return // gRPC rejects the message before the server sees it
		}
		rep := ReporterFromNode(msg.GetIdentifier().GetNode())
		recs, bad := convertMessage(&msg, rep, nil, nil)
		if n := len(msg.GetHttpLogs().GetLogEntry()) + len(msg.GetTcpLogs().GetLogEntry()); len(recs)+len(bad) != n {
			t.Fatalf("%d entries gave %d rows and %d bad", n, len(recs), len(bad))
		}
		for _, b := range bad {
			if b.err == nil {
				t.Fatal("bad entry without an error")
			}
		}
		for _, r := range recs {
			checkInvariants(t, r)
		}
	})
}

func checkInvariants(t *testing.T, r storage.AccessLog) {
	t.Helper()
	switch {
	case r.DurationMicros < -1, r.UpstreamServiceMicros < -1:
		t.Fatalf("duration below -1: %+v", r)
	case r.ResponseCode < 0, r.BytesReceived < 0, r.BytesSent < 0:
		t.Fatalf("negative code or bytes: %+v", r)
	case !flagsRE.MatchString(r.ResponseFlags):
		t.Fatalf("flags %q", r.ResponseFlags)
	case r.SourceService == "" || r.DestinationService == "":
		t.Fatalf("underived service: %+v", r)
	case r.Reporter.Direction != "source" && r.Reporter.Direction != "destination":
		t.Fatalf("direction %q", r.Reporter.Direction)
	case r.Start.IsZero():
		t.Fatalf("zero start: %+v", r)
	}
}

// BenchmarkConvertHTTP converts a fully populated HTTP entry; the baseline
// is what gRPC already spends on the same message, proto.Marshal (client)
// and proto.Unmarshal (server).
func BenchmarkConvertHTTP(b *testing.B) {
	msg := identified(productpageNode(b), httpMsg(outboundHTTP()))
	rep := ReporterFromNode(msg.GetIdentifier().GetNode())
	b.Run("convert", func(b *testing.B) {
		b.ReportAllocs()
		var recs []storage.AccessLog
		var bad []badEntry
		for b.Loop() {
			recs, bad = convertMessage(msg, rep, recs[:0], bad[:0])
		}
		if len(recs) != 1 {
			b.Fatal(len(recs), bad)
		}
	})
	b.Run("proto.Marshal+Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := proto.Marshal(msg)
			if err != nil {
				b.Fatal(err)
			}
			var out accesslogv3.StreamAccessLogsMessage
			if err := proto.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
