package clickhouse

import (
	"context"
	"math"
	"testing"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/storage"
)

// TestQuerierUnboundedRange selects with the extreme ranges the series and
// labels APIs use when no time is given.
func TestQuerierUnboundedRange(t *testing.T) {
	b := openTest(t)
	defer b.Close()
	ctx := context.Background()
	s := storage.Sample{Labels: labels.FromStrings("__name__", "m", "a", "b"), T: 1_700_000_000_000, V: 1}
	if err := b.AppendSamples(ctx, []storage.Sample{s}); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{math.MinInt64, math.MaxInt64}, {0, math.MaxInt64}, {math.MinInt64, 2_000_000_000_000}, {-290_000, 1_700_000_000_000}} {
		q, err := b.Querier(r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		set := q.Select(ctx, true, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "m"))
		n := 0
		for set.Next() {
			n++
		}
		if set.Err() != nil || n != 1 {
			t.Errorf("range %v: %d series, %v; want 1", r, n, set.Err())
		}
		names, _, err := q.LabelNames(ctx, nil)
		if err != nil || len(names) != 2 {
			t.Errorf("range %v: label names %v, %v", r, names, err)
		}
	}
}
