package scrape

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// stored runs md through storage/rowconv, the other half of the contract,
// and returns what storage would get.
func stored(t testing.TB, md pmetric.Metrics) ([]storage.Sample, []storage.Metadata) {
	t.Helper()
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			if sm.Scope().Name() != rowconv.ScopeName {
				t.Errorf("scope name %q, want %q", sm.Scope().Name(), rowconv.ScopeName)
			}
		}
	}
	var conv rowconv.Converter
	samples, meta, err := conv.AppendMetrics(nil, md)
	if err != nil {
		t.Errorf("rowconv rejected the scraper's pdata: %v", err)
	}
	return samples, meta
}

// sampleKey identifies a sample for multiset comparisons; values compare by
// bits, so NaNs and staleness markers are exact.
func sampleKey(lset labels.Labels, t int64, v float64) string {
	return fmt.Sprintf("%s@%d=%x", lset, t, math.Float64bits(v))
}

// convertChecked runs one conversion and checks the round trip through
// rowconv: storage gets exactly the samples the scrape accepted (what
// Prometheus appends), the five report series, and one staleness marker at
// the scrape time for each series tracked before and not now.
func convertChecked(t testing.TB, c *converter, body []byte, contentType string, fetchErr error, at time.Time) (pmetric.Metrics, outcome) {
	t.Helper()
	before := map[string]labels.Labels{}
	for _, s := range c.cache.prev {
		before[s.lset.String()] = s.lset
	}
	md, out := c.convert(body, contentType, fetchErr, at, func() time.Duration { return 5 * time.Millisecond })
	defTime := at.UnixMilli()

	var want []string
	if out.err == nil && len(body) > 0 {
		for _, smp := range c.samples {
			want = append(want, sampleKey(smp.s.lset, smp.t, smp.v))
		}
	}
	lb := labels.NewBuilder(c.target.labels)
	up := 1.0
	if out.err != nil {
		up = 0
	}
	for i, v := range []float64{up, 0.005, float64(out.total), float64(out.added), float64(out.seriesAdded)} {
		lb.Set(model.MetricNameLabel, reportNames[i])
		want = append(want, sampleKey(lb.Labels(), defTime, v))
	}
	now := map[string]bool{}
	for _, s := range c.cache.prev {
		now[s.lset.String()] = true
	}
	for k, ls := range before {
		if !now[k] {
			want = append(want, sampleKey(ls, defTime, math.Float64frombits(value.StaleNaN)))
		}
	}

	var got []string
	samples, _ := stored(t, md)
	for _, s := range samples {
		got = append(got, sampleKey(s.Labels, s.T, s.V))
	}
	diffMultiset(t, want, got)
	return md, out
}

func diffMultiset(t testing.TB, want, got []string) {
	t.Helper()
	slices.Sort(want)
	slices.Sort(got)
	if slices.Equal(want, got) {
		return
	}
	var missing, extra []string
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			missing = append(missing, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	t.Errorf("stored samples differ from what Prometheus stores:\nmissing:\n  %s\nextra:\n  %s",
		strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
}
