package rowconv

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/storage"
)

var update = flag.Bool("update", false, "rewrite testdata/zipkin/*.rows.golden.json")

// The collector-contrib Zipkin translator (pkg/translator/zipkin) is not a
// dependency of this module, so these tests turn Zipkin v2 JSON into ptrace
// with zipkinToTraces, which follows the translator's zipkinv2
// to_translator.go rule by rule for the fields the samples use. Where the
// translator drops a field (shared, debug), withFlags adds the carrier
// attributes meshlens' intake must add (package doc, "# Traces").

type zipkinSpan struct {
	TraceID        string            `json:"traceId"`
	ParentID       string            `json:"parentId"`
	ID             string            `json:"id"`
	Kind           string            `json:"kind"`
	Name           string            `json:"name"`
	Timestamp      int64             `json:"timestamp"` // µs
	Duration       int64             `json:"duration"`  // µs
	LocalEndpoint  *zipkinEndpoint   `json:"localEndpoint"`
	RemoteEndpoint *zipkinEndpoint   `json:"remoteEndpoint"`
	Annotations    []zipkinAnnot     `json:"annotations"`
	Tags           map[string]string `json:"tags"`
	Debug          bool              `json:"debug"`
	Shared         bool              `json:"shared"`
}

type zipkinEndpoint struct {
	ServiceName string `json:"serviceName"`
	IPv4        string `json:"ipv4"`
	IPv6        string `json:"ipv6"`
	Port        int64  `json:"port"`
}

type zipkinAnnot struct {
	Timestamp int64  `json:"timestamp"`
	Value     string `json:"value"`
}

// zipkinResourceKeys are some of the resource semantic-convention keys the
// translator moves from tags to the resource (it uses the whole list).
var zipkinResourceKeys = []string{"host.name", "service.namespace", "service.version", "telemetry.sdk.language"}

func (z *zipkinSpan) service() string {
	if z.LocalEndpoint == nil {
		return ""
	}
	return z.LocalEndpoint.ServiceName
}

func zipkinToTraces(t testing.TB, data []byte, withFlags bool) ptrace.Traces {
	t.Helper()
	var zs []*zipkinSpan
	if err := json.Unmarshal(data, &zs); err != nil {
		t.Fatal(err)
	}
	// The translator groups spans by local service into ResourceSpans.
	slices.SortStableFunc(zs, func(a, b *zipkinSpan) int { return strings.Compare(a.service(), b.service()) })
	td := ptrace.NewTraces()
	var spans ptrace.SpanSlice
	for i, z := range zs {
		if i == 0 || z.service() != zs[i-1].service() {
			rs := td.ResourceSpans().AppendEmpty()
			if svc := z.service(); svc != "" {
				rs.Resource().Attributes().PutStr(ResourceService, svc)
				for _, k := range zipkinResourceKeys {
					if v, ok := z.Tags[k]; ok {
						rs.Resource().Attributes().PutStr(k, v)
					}
				}
			}
			spans = rs.ScopeSpans().AppendEmpty().Spans()
		}
		zipkinSpanToPdata(t, z, spans.AppendEmpty(), withFlags)
	}
	return td
}

func zipkinSpanToPdata(t testing.TB, z *zipkinSpan, sp ptrace.Span, withFlags bool) {
	var tid [16]byte
	hexID(t, tid[:], z.TraceID)
	sp.SetTraceID(tid)
	var sid, pid [8]byte
	hexID(t, sid[:], z.ID)
	sp.SetSpanID(sid)
	if z.ParentID != "" && z.ParentID != z.ID {
		hexID(t, pid[:], z.ParentID)
		sp.SetParentSpanID(pid)
	}
	sp.SetName(z.Name)
	tags := maps.Clone(z.Tags)
	switch z.Kind {
	case "CLIENT":
		sp.SetKind(ptrace.SpanKindClient)
	case "SERVER":
		sp.SetKind(ptrace.SpanKindServer)
	case "PRODUCER":
		sp.SetKind(ptrace.SpanKindProducer)
	case "CONSUMER":
		sp.SetKind(ptrace.SpanKindConsumer)
	default:
		if tags["span.kind"] == "internal" {
			sp.SetKind(ptrace.SpanKindInternal)
		}
		delete(tags, "span.kind")
	}
	if v, ok := tags["w3c.tracestate"]; ok {
		sp.TraceState().FromRaw(v)
		delete(tags, "w3c.tracestate")
	}
	if v, ok := tags["otel.status_code"]; ok {
		sp.Status().SetCode(map[string]ptrace.StatusCode{"STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}[v])
		sp.Status().SetMessage(tags["otel.status_description"])
		delete(tags, "otel.status_code")
		delete(tags, "otel.status_description")
	}
	if tags["error"] == "true" {
		sp.Status().SetCode(ptrace.StatusCodeError)
		delete(tags, "error")
	}
	a := sp.Attributes()
	for k, v := range tags {
		if !slices.Contains(zipkinResourceKeys, k) {
			a.PutStr(k, v)
		}
	}
	if e := z.LocalEndpoint; e != nil {
		putEndpoint(a, e, "net.host.ip", "net.host.port")
	}
	if e := z.RemoteEndpoint; e != nil {
		if e.ServiceName != "" {
			a.PutStr(AttrPeerService, e.ServiceName)
		}
		putEndpoint(a, e, "net.peer.ip", "net.peer.port")
	}
	start := time.UnixMicro(z.Timestamp)
	if z.Timestamp == 0 {
		a.PutBool(AttrZipkinStartAbsent, true)
		start = time.Unix(0, 0)
	}
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(z.Duration) * time.Microsecond)))
	for _, an := range z.Annotations {
		ev := sp.Events().AppendEmpty()
		ev.SetTimestamp(pcommon.NewTimestampFromTime(time.UnixMicro(an.Timestamp)))
		ev.SetName(strings.Split(an.Value, "|")[0]) // "name|{attrs}|dropped" is OTel's; the samples have none
	}
	if withFlags && z.Shared {
		a.PutBool(AttrZipkinShared, true)
	}
	if withFlags && z.Debug {
		a.PutBool(AttrZipkinDebug, true)
	}
}

func putEndpoint(a pcommon.Map, e *zipkinEndpoint, ipKey, portKey string) {
	if e.IPv4 != "" {
		a.PutStr(ipKey, e.IPv4)
	}
	if e.IPv6 != "" {
		a.PutStr(ipKey, e.IPv6)
	}
	if e.Port > 0 {
		a.PutInt(portKey, e.Port)
	}
}

// hexID decodes a Zipkin hex id right-aligned into dst, as zipkin-go does
// for 64-bit trace ids.
func hexID(t testing.TB, dst []byte, s string) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) > len(dst) {
		t.Fatalf("bad id %q: %v", s, err)
	}
	copy(dst[len(dst)-len(b):], b)
}

func readZipkinSample(t *testing.T, name string) ([]byte, []*zipkinSpan) {
	data, err := os.ReadFile(filepath.Join("testdata", "zipkin", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var zs []*zipkinSpan
	if err := json.Unmarshal(data, &zs); err != nil {
		t.Fatal(err)
	}
	return data, zs
}

// TestZipkinSamples loads the real Zipkin samples: every span becomes a row
// whose fields follow the Zipkin span, every tag is kept, the rows match the
// golden file and survive a round trip through ptrace.
func TestZipkinSamples(t *testing.T) {
	for _, name := range []string{"envoy", "yelp"} {
		t.Run(name, func(t *testing.T) {
			data, zs := readZipkinSample(t, name)
			rows, err := SpansFromTraces(zipkinToTraces(t, data, true), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(zs) {
				t.Fatalf("%d rows from %d spans", len(rows), len(zs))
			}
			for _, z := range zs {
				checkZipkinRow(t, z, rows)
			}
			checkGolden(t, filepath.Join("testdata", "zipkin", name+".rows.golden.json"), rows)

			back := ptrace.NewTraces()
			AppendTraces(back, rows)
			again, err := SpansFromTraces(back, nil)
			if err != nil || !reflect.DeepEqual(again, rows) {
				t.Errorf("round trip: %v\n got %+v\nwant %+v", err, again, rows)
			}
		})
	}
}

// checkZipkinRow finds z's row (id and kind: a shared pair has one id) and
// checks it field by field against the Zipkin JSON.
func checkZipkinRow(t *testing.T, z *zipkinSpan, rows []storage.Span) {
	t.Helper()
	var tid [16]byte
	var sid, pid [8]byte
	hexID(t, tid[:], z.TraceID)
	hexID(t, sid[:], z.ID)
	if z.ParentID != "" {
		hexID(t, pid[:], z.ParentID)
	}
	want := storage.Span{
		TraceID: storage.TraceID{High: binary.BigEndian.Uint64(tid[:8]), Low: binary.BigEndian.Uint64(tid[8:])}, SpanID: binary.BigEndian.Uint64(sid[:]), ParentID: binary.BigEndian.Uint64(pid[:]),
		Service: z.service(), Name: z.Name, Kind: storage.SpanKind(strings.ToLower(z.Kind)),
		Shared: z.Shared, Debug: z.Debug, Start: time.UnixMicro(z.Timestamp).UTC(), DurationMicros: z.Duration,
	}
	if z.RemoteEndpoint != nil {
		want.PeerService = z.RemoteEndpoint.ServiceName
	}
	i := slices.IndexFunc(rows, func(r storage.Span) bool { return r.SpanID == want.SpanID && r.Kind == want.Kind })
	if i < 0 {
		t.Errorf("no row for span %s %s", z.ID, z.Kind)
		return
	}
	got := rows[i]
	for k, v := range z.Tags {
		if w, ok := lookupAttr(got.Attrs, k); !ok || w != v {
			t.Errorf("span %s: tag %s=%q kept as %q (present %v)", z.ID, k, v, w, ok)
		}
	}
	if len(got.Events) != len(z.Annotations) {
		t.Errorf("span %s: %d events from %d annotations", z.ID, len(got.Events), len(z.Annotations))
	}
	got.Attrs, got.Events = nil, nil
	got.HTTPMethod, got.HTTPRoute, got.HTTPStatus, got.RequestID, got.ResponseFlags, got.UpstreamCluster =
		"", "", 0, "", "", "" // checked by the golden file and TestEnvoySample
	if !reflect.DeepEqual(got, want) {
		t.Errorf("span %s:\n got %+v\nwant %+v", z.ID, got, want)
	}
}

func checkGolden(t *testing.T, path string, rows []storage.Span) {
	t.Helper()
	got, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
	}
}

// TestEnvoySample pins the B3 columns of Envoy's own span.
func TestEnvoySample(t *testing.T) {
	data, _ := readZipkinSample(t, "envoy")
	rows, err := SpansFromTraces(zipkinToTraces(t, data, true), nil)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v %+v", err, rows)
	}
	r := rows[0]
	if r.TraceID != (storage.TraceID{Low: 0x978883983d506fa5}) || r.SpanID != 0x978883983d506fa5 || r.ParentID != 0 ||
		r.Kind != "server" || !r.Shared || r.Service != "" {
		t.Errorf("ids/kind/shared: %+v", r)
	}
	if r.RequestID != "d709b78f-583e-988e-b581-25b72c63852d" || r.UpstreamCluster != "service_google" ||
		r.ResponseFlags != "" || r.HTTPMethod != "GET" || r.HTTPStatus != 200 || r.HTTPRoute != "/" {
		t.Errorf("columns: %+v", r)
	}
	if v, _ := lookupAttr(r.Attrs, "net.host.ip"); v != "169.254.65.45" {
		t.Errorf("net.host.ip = %q", v)
	}
}

// Through the contrib translator as it is (no flag attributes), shared
// server spans are not marked: this is what meshlens' intake has to add.
func TestZipkinSharedNeedsCarrier(t *testing.T) {
	data, _ := readZipkinSample(t, "yelp")
	rows, err := SpansFromTraces(zipkinToTraces(t, data, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Shared {
			t.Fatalf("span %x marked shared without %s", r.SpanID, AttrZipkinShared)
		}
	}
}
