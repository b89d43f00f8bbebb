package format

import (
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// goldenEntry is one record of a golden file.
type goldenEntry struct {
	Line   int               `json:"line"`
	Format string            `json:"format"`
	Layout string            `json:"layout,omitempty"` // what auto detects
	Text   string            `json:"text"`
	Record storage.AccessLog `json:"record"`
}

func goldenFor(t *testing.T, file string) []goldenEntry {
	var out []goldenEntry
	for _, v := range readVectors(t, file) {
		rec := mustParse(t, v.format, v.text)
		e := goldenEntry{Line: v.lineNo, Format: v.format, Text: v.text, Record: rec}
		if v.format == "auto" {
			body, _, _ := splitPrefix(v.text)
			layouts := matchingLayouts(body)
			if len(layouts) != 1 {
				t.Errorf("%s:%d: matches layouts %v, want exactly one", file, v.lineNo, layouts)
			} else {
				e.Layout = layouts[0]
			}
		}
		out = append(out, e)
	}
	return out
}

// TestGoldenSamples pins every record of the shared samples, parsed with
// format auto.
func TestGoldenSamples(t *testing.T) {
	entries := goldenFor(t, "access-samples.txt")
	if len(entries) < 12 {
		t.Fatalf("only %d sample records read", len(entries))
	}
	for _, e := range entries {
		if e.Format != "auto" {
			t.Errorf("sample line %d is not parsed with auto", e.Line)
		}
	}
	checkGolden(t, "access-samples.golden", entries)
}

// TestGoldenVectors pins this package's own vectors.
func TestGoldenVectors(t *testing.T) {
	checkGolden(t, "vectors.golden", goldenFor(t, "vectors.txt"))
}

// TestTwoHops checks the two records of one request in the samples: the
// client sidecar's (outbound cluster: reporter is the source, destination
// httpbin.foo) and the server sidecar's (inbound cluster: reporter is the
// destination).
func TestTwoHops(t *testing.T) {
	const id = "84961386-6d84-929d-98bd-c5aee93b5c88"
	var hops []storage.AccessLog
	for _, line := range sampleLines(t) {
		if rec := mustParse(t, "auto", line); rec.RequestID == id {
			hops = append(hops, rec)
		}
	}
	if len(hops) != 2 {
		t.Fatalf("found %d records of request %s, want 2", len(hops), id)
	}
	out, in := hops[0], hops[1]
	if out.Reporter.Direction != "source" || out.UpstreamCluster != "outbound|8000||httpbin.foo.svc.cluster.local" ||
		out.SourceService != "reporter" || out.DestinationService != "httpbin" || out.DestinationNamespace != "foo" {
		t.Errorf("outbound hop: direction %q cluster %q src %q dst %q.%q", out.Reporter.Direction, out.UpstreamCluster,
			out.SourceService, out.DestinationService, out.DestinationNamespace)
	}
	if in.Reporter.Direction != "destination" || in.UpstreamCluster != "inbound|8000||" ||
		in.DestinationService != "reporter" || in.SourceService != "unknown" {
		t.Errorf("inbound hop: direction %q cluster %q src %q dst %q", in.Reporter.Direction, in.UpstreamCluster,
			in.SourceService, in.DestinationService)
	}
	if out.DurationMicros != 4000 || in.DurationMicros != 3000 || out.UpstreamServiceMicros != 4000 || in.UpstreamServiceMicros != 1000 {
		t.Errorf("durations: outbound %d/%d µs, inbound %d/%d µs", out.DurationMicros, out.UpstreamServiceMicros,
			in.DurationMicros, in.UpstreamServiceMicros)
	}
	if !out.Start.Equal(in.Start) || out.ResponseCode != 418 || in.ResponseCode != 418 {
		t.Errorf("start %v/%v code %d/%d", out.Start, in.Start, out.ResponseCode, in.ResponseCode)
	}
}
