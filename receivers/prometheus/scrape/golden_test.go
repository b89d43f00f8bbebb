package scrape

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// TestGolden pins the full pdata (OTLP JSON) produced for the testdata pages,
// so that any change to names, attributes, metadata or shapes shows up in a
// review diff.
func TestGolden(t *testing.T) {
	for _, tc := range []struct{ file, contentType string }{
		{"istio_small.prom", textType},
		{"istio_small.om", omType},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := newTestConverter(t, JobConfig{})
			md, out := c.convert(readTestdata(t, tc.file), tc.contentType, nil, t0, func() time.Duration { return 5 * time.Millisecond })
			if out.err != nil {
				t.Fatal(out.err)
			}
			raw, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, raw, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
			path := filepath.Join("testdata", tc.file+".golden.json")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("pdata for %s differs from %s; run with -update and review the diff", tc.file, path)
			}
		})
	}
}
