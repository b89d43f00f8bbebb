package rowconv

import (
	"math/rand/v2"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestPointSeriesFastPath checks the sorted-attributes fast path against
// the general path on random maps: unsorted, empty values, __name__ keys,
// names sorting before __name__, with and without resource labels. (Maps
// with repeated keys only come from the wire; FuzzAppendMetrics has them.)
func TestPointSeriesFastPath(t *testing.T) {
	keys := []string{"A", "Z", "_a", "__a", "__name__", "a", "b", "le", "service.name", "", "ü"}
	vals := []string{"", "v", "x y", "ü"}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		attrs := pcommon.NewMap()
		n := r.IntN(7)
		picked := make([]string, 0, n)
		for range n {
			picked = append(picked, keys[r.IntN(len(keys))])
		}
		if r.IntN(2) == 0 {
			sortStrings(picked)
		}
		for _, k := range picked {
			attrs.PutStr(k, vals[r.IntN(len(vals))])
		}
		var s labelScratch
		if r.IntN(3) == 0 {
			res := pcommon.NewMap()
			res.PutStr("job", "j")
			res.PutStr("a", "resource")
			s.setResource(res)
		}
		got := s.pointSeries("m", attrs)
		s.setPoint(attrs)
		want := s.series("m", "", "")
		if !labels.Equal(got, want) {
			t.Fatalf("case %d (%v): fast %s, general %s", i, picked, got, want)
		}
		if !sortedUnique(got) {
			t.Fatalf("case %d: %s not sorted", i, got)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
