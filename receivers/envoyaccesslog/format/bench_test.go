package format

import (
	"bytes"
	"encoding/json"
	"sort"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// benchCorpus groups the record lines of the samples and vectors by the
// layout auto detects in them ("kubectl" for prefixed lines).
func benchCorpus(b *testing.B) (mix [][]byte, byLayout map[string][][]byte) {
	byLayout = map[string][][]byte{}
	vs := append(readVectors(b, "access-samples.txt"), readVectors(b, "vectors.txt")...)
	for _, v := range vs {
		if v.format != "auto" {
			continue
		}
		body, _, n := splitPrefix(v.text)
		layouts := matchingLayouts(body)
		if len(layouts) != 1 {
			b.Fatalf("%s:%d matches %v", v.file, v.lineNo, layouts)
		}
		name := layouts[0]
		if n > 0 {
			name = "kubectl"
		}
		byLayout[name] = append(byLayout[name], []byte(v.text))
	}
	for _, v := range readVectors(b, "access-samples.txt") {
		mix = append(mix, []byte(v.text))
	}
	return mix, byLayout
}

// runLines runs fn over lines round-robin, one line per iteration, and
// reports lines/s.
func runLines(b *testing.B, lines [][]byte, fn func([]byte) error) {
	total := 0
	for _, l := range lines {
		if err := fn(l); err != nil {
			b.Fatalf("%s: %v", l, err)
		}
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	b.ReportAllocs()
	n, i := 0, 0
	for b.Loop() {
		_ = fn(lines[i])
		if i++; i == len(lines) {
			i = 0
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}

func parseFunc(b *testing.B, p Parser) func([]byte) error {
	var rec storage.AccessLog
	rep := storage.Reporter{Service: "reviews", Namespace: "default", Version: "v1"}
	return func(line []byte) error { return p.Parse(line, rep, &rec) }
}

// BenchmarkParse measures auto on a mix of the sample lines, auto on each
// layout, and each layout's own parser (its format string compiled, or the
// named JSON parser).
func BenchmarkParse(b *testing.B) {
	mix, byLayout := benchCorpus(b)
	auto, _ := ForName("auto")
	b.Run("auto/samples-mix", func(b *testing.B) { runLines(b, mix, parseFunc(b, auto)) })
	// lines a sidecar's stdout holds besides access logs: they fail every
	// layout, and their errors become dead letters.
	other := [][]byte{
		[]byte("2024-07-20T07:05:54.173886Z\tinfo\txdsproxy\tconnected to upstream XDS server: istiod.istio-system.svc:15012"),
		[]byte(`[2024-07-20 07:05:54.173][15][warning][config] [source/common/config/grpc_stream.h:191] StreamAggregatedResources gRPC config stream closed`),
		[]byte(`{"level":"info","time":"2024-07-20T07:05:54.173886Z","msg":"Readiness succeeded"}`),
	}
	b.Run("auto/unparseable", func(b *testing.B) {
		auto, _ := ForName("auto")
		fn := parseFunc(b, auto)
		runLines(b, other, func(l []byte) error {
			if fn(l) == nil {
				b.Fatalf("parsed %s", l)
			}
			return nil
		})
	})
	own := map[string]string{
		"envoy": envoyFormat, "envoy-details": envoyDetailsFormat, "envoy-details-failure": envoyDetailsFailureFormat,
		"istio-1.9": istioFormat, "istio-1.8": istio18Format, "istio-1.7": istio17Format, "istio-1.2": istio12Format,
		"istio-json": "istio_json", "kubectl": "auto",
	}
	for _, name := range sortedKeys(byLayout) {
		lines := byLayout[name]
		b.Run("auto/"+name, func(b *testing.B) {
			auto, _ := ForName("auto")
			runLines(b, lines, parseFunc(b, auto))
		})
		b.Run("own/"+name, func(b *testing.B) {
			p, err := ForName(own[name])
			if err != nil {
				b.Fatal(err)
			}
			runLines(b, lines, parseFunc(b, p))
		})
	}
}

// BenchmarkBaseline gives floors on the same lines, for a ratio: splitting
// on white space (bytes.Fields), copying the line to a string (what any
// parser that keeps strings pays), and validating or decoding the JSON lines
// with encoding/json.
func BenchmarkBaseline(b *testing.B) {
	mix, byLayout := benchCorpus(b)
	b.Run("bytes.Fields/samples-mix", func(b *testing.B) {
		runLines(b, mix, func(l []byte) error { _ = bytes.Fields(l); return nil })
	})
	var sink string
	b.Run("string-copy/samples-mix", func(b *testing.B) {
		runLines(b, mix, func(l []byte) error { sink = string(l); return nil })
	})
	_ = sink
	jsonLines := byLayout["istio-json"]
	b.Run("json.Valid/istio-json", func(b *testing.B) {
		runLines(b, jsonLines, func(l []byte) error { _ = json.Valid(l); return nil })
	})
	b.Run("json.Unmarshal-map/istio-json", func(b *testing.B) {
		runLines(b, jsonLines, func(l []byte) error { var m map[string]any; return json.Unmarshal(l, &m) })
	})
}

// TestBenchCorpusCoversLayouts keeps the per-layout benchmarks honest: every
// built-in layout has lines.
func TestBenchCorpusCoversLayouts(t *testing.T) {
	var names []string
	for _, v := range append(readVectors(t, "access-samples.txt"), readVectors(t, "vectors.txt")...) {
		if v.format == "auto" {
			body, _, _ := splitPrefix(v.text)
			names = append(names, matchingLayouts(body)...)
		}
	}
	sort.Strings(names)
	for _, p := range append(allTexts, &program{name: istioJSON.name}) {
		if i := sort.SearchStrings(names, p.name); i == len(names) || names[i] != p.name {
			t.Errorf("no vector of layout %s", p.name)
		}
	}
}
