package rowconv

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/internal/zipkinspans"
	"github.com/meshlens/meshlens/storage"
)

var update = flag.Bool("update", false, "rewrite testdata/zipkin/*.rows.golden.json")

// These tests turn Zipkin v2 JSON into ptrace exactly as the zipkin
// receiver does (internal/zipkinspans: the collector-contrib translator plus
// the shared/debug carrier attributes); zipkinToTraces without withFlags
// strips the carriers, as the contrib receiver alone would.

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

func zipkinToTraces(t testing.TB, data []byte, withFlags bool) ptrace.Traces {
	t.Helper()
	spans, err := zipkinspans.DecodeJSONV2(data)
	if err != nil {
		t.Fatal(err)
	}
	td, err := zipkinspans.Translate(spans, false)
	if err != nil {
		t.Fatal(err)
	}
	if !withFlags {
		rss := td.ResourceSpans()
		for i := range rss.Len() {
			for j := range rss.At(i).ScopeSpans().Len() {
				ss := rss.At(i).ScopeSpans().At(j).Spans()
				for k := range ss.Len() {
					ss.At(k).Attributes().Remove(AttrZipkinShared)
					ss.At(k).Attributes().Remove(AttrZipkinDebug)
				}
			}
		}
	}
	return td
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

func (z *zipkinSpan) service() string {
	if z.LocalEndpoint == nil {
		return ""
	}
	return z.LocalEndpoint.ServiceName
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

// translatorRenames are the Zipkin tags the contrib translator (v0.165)
// stores under their current semantic-convention name.
var translatorRenames = map[string]string{AttrHTTPStatusCode: AttrHTTPResponseStatusCode}

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
		if r, ok := translatorRenames[k]; ok {
			k = r
		}
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
	if v, _ := lookupAttr(r.Attrs, "network.local.address"); v != "169.254.65.45" {
		t.Errorf("network.local.address = %q", v)
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
