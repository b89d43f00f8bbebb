package sqlq

import (
	"errors"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

func TestLimits(t *testing.T) {
	for _, c := range []struct{ in, find, trace int }{
		{-1, DefaultFindLimit, DefaultTraceLimit}, {0, DefaultFindLimit, DefaultTraceLimit},
		{7, 7, 7}, {5_000, 5_000, MaxTraceLimit}, {1 << 30, MaxFindLimit, MaxTraceLimit},
	} {
		if got := FindLimit(c.in); got != c.find {
			t.Errorf("FindLimit(%d) = %d, want %d", c.in, got, c.find)
		}
		if got := TraceLimit(c.in); got != c.trace {
			t.Errorf("TraceLimit(%d) = %d, want %d", c.in, got, c.trace)
		}
	}
}

func TestREDGroupingOf(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	ok := storage.REDQuery{Start: t0, End: t0.Add(time.Minute)}
	g, err := REDGroupingOf(ok)
	if err != nil || g.By != "service" {
		t.Fatalf("default grouping: %+v, %v", g, err)
	}
	edge := ok
	edge.By = "edge"
	if g, err := REDGroupingOf(edge); err != nil || g.NamespaceCond("?") != "AND (source_namespace = ? OR destination_namespace = ?)" {
		t.Errorf("edge namespace condition: %q, %v", g.NamespaceCond("?"), err)
	}
	spans := ok
	spans.Source = "spans"
	if _, err := REDGroupingOf(spans); !errors.Is(err, storage.ErrNotSupported) {
		t.Errorf("source spans: %v, want ErrNotSupported", err)
	}
	bad := ok
	bad.By = "pod"
	if _, err := REDGroupingOf(bad); err == nil {
		t.Error("by=pod: no error")
	}
	if _, err := REDGroupingOf(storage.REDQuery{Start: t0, End: t0}); err == nil {
		t.Error("empty window: no error")
	}
}
