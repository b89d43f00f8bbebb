package clickhouse

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/internal/chtest"
	"github.com/meshlens/meshlens/storage"
)

// TestRetention drops whole expired days: events by the wall clock,
// samples counted back from the newest sample (as Prometheus' TSDB).
func TestRetention(t *testing.T) {
	addr := chtest.Shared(t)
	b := openAt(t, Config{Endpoint: addr, Database: chtest.NewDatabase(t, addr), Retention: 48 * time.Hour})
	defer b.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	if err := b.WriteAccessLogs(ctx, []storage.AccessLog{
		{Start: now.Add(-47 * time.Hour), RequestID: "old"}, {Start: now, RequestID: "new"},
	}); err != nil {
		t.Fatal(err)
	}
	day := int64(24 * time.Hour / time.Millisecond)
	s := func(name string, tms int64) storage.Sample {
		return storage.Sample{Labels: labels.FromStrings("__name__", name), T: tms, V: 1}
	}
	if err := b.AppendSamples(ctx, []storage.Sample{s("old", 10*day), s("kept", 12*day), s("newest", 13*day)}); err != nil {
		t.Fatal(err)
	}
	// Two days on, the day of "old" is wholly older than now−48h.
	if err := b.enforceRetention(ctx, now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	logs, err := b.FindAccessLogs(ctx, storage.AccessLogQuery{})
	if err != nil || len(logs) != 1 || logs[0].RequestID != "new" {
		t.Errorf("access logs after retention = %v, %v; want only the new one", requestIDsOf(logs), err)
	}
	q, _ := b.Querier(math.MinInt64, math.MaxInt64)
	names, _, err := q.LabelValues(ctx, "__name__", nil)
	if err != nil || len(names) != 2 || names[0] != "kept" || names[1] != "newest" {
		t.Errorf("series after retention = %v, %v; want [kept newest]", names, err)
	}
}

func requestIDsOf(rows []storage.AccessLog) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.RequestID)
	}
	return out
}
