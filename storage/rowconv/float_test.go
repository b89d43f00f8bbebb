package rowconv

import (
	"errors"
	"io"
	"math"
	"strconv"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
)

// labelFloats are le/quantile values as exporters write them, including the
// spellings Prometheus 3 rewrites.
var labelFloats = []string{
	"0", "0.0", "1", "1.0", "-1", "0.005", "0.25", "2.5", "10", "100", "1000", "1e3",
	"1e+06", "1000000", "123456789", "1.5e-07", "0.99", "0.999", "+Inf", "-Inf", "Inf",
	"1e21", "1e20", "100000000000000000000", "0.1", "3.14159265358979", "-0.0", "NaN",
	"5e-324", "1.7976931348623157e308",
}

// TestFormatLabelFloatMatchesPrometheusParsers feeds each value through
// Prometheus' own text and OpenMetrics parsers as a histogram `le` and a
// summary `quantile`, and checks FormatLabelFloat produces the label value
// they store.
func TestFormatLabelFloatMatchesPrometheusParsers(t *testing.T) {
	for _, ct := range []string{"text/plain", "application/openmetrics-text"} {
		for _, raw := range labelFloats {
			f, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				t.Fatal(err)
			}
			want := FormatLabelFloat(f)
			got := parsedLabelValues(t, ct, raw)
			if len(got) != 2 {
				t.Fatalf("%s %q: parser yielded %q, want an le and a quantile", ct, raw, got)
			}
			for _, got := range got {
				if got != want {
					t.Errorf("%s: %q stored by Prometheus as %q, FormatLabelFloat(%v) = %q", ct, raw, got, f, want)
				}
			}
		}
	}
}

// parsedLabelValues returns the le and quantile values Prometheus' parser
// yields for raw.
func parsedLabelValues(t *testing.T, contentType, raw string) []string {
	t.Helper()
	text := "# TYPE h histogram\nh_bucket{le=\"" + raw + "\"} 1\nh_count 1\n" +
		"# TYPE s summary\ns{quantile=\"" + raw + "\"} 1\ns_count 1\n"
	if contentType == "application/openmetrics-text" {
		text += "# EOF\n"
	}
	p, err := textparse.New([]byte(text), contentType, labels.NewSymbolTable(), textparse.ParserOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s %q: %v", contentType, raw, err)
		}
		if e != textparse.EntrySeries {
			continue
		}
		var ls labels.Labels
		p.Labels(&ls)
		for _, n := range []string{"le", "quantile"} {
			if v := ls.Get(n); v != "" {
				out = append(out, v)
			}
		}
	}
}

func TestFormatLabelFloatExamples(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 0: "0.0", -1: "-1.0", 0.005: "0.005", 1e6: "1e+06", 100: "100.0",
		math.Inf(1): "+Inf", math.Inf(-1): "-Inf", 1e21: "1e+21", 0.99: "0.99",
	} {
		if got := FormatLabelFloat(f); got != want {
			t.Errorf("FormatLabelFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestFloatCacheBounded(t *testing.T) {
	var c floatCache
	for i := range 3 * floatCacheMax {
		f := float64(i) / 7
		if got, want := c.format(f), FormatLabelFloat(f); got != want {
			t.Fatalf("format(%v) = %q, want %q", f, got, want)
		}
		if len(c.m) > floatCacheMax {
			t.Fatalf("cache grew to %d entries", len(c.m))
		}
	}
}
