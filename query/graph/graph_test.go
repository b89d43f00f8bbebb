package graph

import (
	"context"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

func TestClassify(t *testing.T) {
	h := DefaultHealth()
	cases := []struct {
		req, errs, client int64
		want              string
	}{
		{0, 0, 0, Idle},
		{1000, 0, 0, Healthy},
		{1000, 1, 0, Degraded},    // 0.1% 5xx
		{10000, 1, 0, Healthy},    // 0.01% 5xx
		{1000, 99, 0, Degraded},   // 9.9%
		{1000, 100, 0, Failure},   // 10%
		{1000, 0, 99, Healthy},    // 9.9% 4xx
		{1000, 0, 100, Degraded},  // 10% 4xx
		{1000, 0, 200, Failure},   // 20% 4xx
		{1000, 50, 150, Degraded}, // both degraded
	}
	for _, c := range cases {
		if got := h.Classify(c.req, c.errs, c.client); got != c.want {
			t.Errorf("Classify(%d, %d, %d) = %s, want %s", c.req, c.errs, c.client, got, c.want)
		}
	}
	strict := HealthConfig{Errors: Tolerance{Degraded: 0, Failure: 1}, ClientErrors: Tolerance{Degraded: 1, Failure: 2}}
	if got := strict.Classify(100, 1, 0); got != Failure {
		t.Errorf("configured thresholds: %s, want failure", got)
	}
}

func TestHealthValidate(t *testing.T) {
	for _, c := range []struct {
		h    HealthConfig
		want string
	}{
		{DefaultHealth(), ""},
		{HealthConfig{Errors: Tolerance{Degraded: -1, Failure: 10}, ClientErrors: Tolerance{Failure: 1}}, "health.errors.degraded: -1 is not a percentage in [0, 100]"},
		{HealthConfig{Errors: Tolerance{Degraded: 5, Failure: 1}}, "health.errors.failure: 1 is below degraded 5"},
		{HealthConfig{ClientErrors: Tolerance{Failure: 101}}, "health.client_errors.failure: 101 is not a percentage in [0, 100]"},
	} {
		got := ""
		if err := c.h.Validate("health"); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Validate(%+v) = %q, want %q", c.h, got, c.want)
		}
	}
}

// stubReader answers with fixed aggregates (filtered by source only).
type stubReader []storage.RollupAggregate

func (s stubReader) Rollups(_ context.Context, q storage.RollupQuery) ([]storage.RollupAggregate, error) {
	var out []storage.RollupAggregate
	for _, a := range s {
		if len(q.Sources) == 0 || a.Source == q.Sources[0] {
			a.Latency = storage.NewLatencySketch()
			out = append(out, a)
		}
	}
	return out, nil
}

func agg(src, rep, from, to string, requests, errors int64) storage.RollupAggregate {
	return storage.RollupAggregate{Source: src, Reporter: rep, RollupCounts: storage.RollupCounts{Requests: requests, Errors: errors},
		Edge: storage.Edge{SourceService: from, SourceNamespace: "ns", DestinationService: to, DestinationNamespace: "ns", Protocol: "http"}}
}

func TestGraphMergesSources(t *testing.T) {
	r := stubReader{
		agg("logs", "source", "a", "b", 100, 0), agg("logs", "destination", "a", "b", 100, 0),
		agg("metrics", "source", "a", "b", 100, 0), agg("spans", "source", "a", "b", 50, 10),
		agg("logs", "source", "a", "c", 10, 0),
	}
	e := &Engine{Reader: r, Health: DefaultHealth()}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g, err := e.Graph(context.Background(), Query{Start: start, End: start.Add(100 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Edges) != 2 {
		t.Fatalf("edges %+v", g.Edges)
	}
	ab := g.Edges[0]
	// The window is aligned to whole minutes: 2 minutes.
	if ab.ID != "ns/a->ns/b|http" || ab.RED.Requests != 100 || ab.RED.Rate != 100.0/120 || len(ab.Sources) != 3 ||
		len(ab.Disagreements) != 2 || ab.Disagreements[0].Field != "requests" || ab.Disagreements[1].Field != "error_ratio" {
		t.Errorf("a→b: %+v", ab)
	}
	if ac := g.Edges[1]; len(ac.Missing) != 2 || ac.Missing[0] != "metrics" || ac.Missing[1] != "spans" {
		t.Errorf("a→c missing %v, want [metrics spans]", ac.Missing)
	}
	// A single source: nothing is missing.
	g, err = e.Graph(context.Background(), Query{Start: start, End: start.Add(time.Minute), Source: "spans"})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Edges) != 1 || len(g.Edges[0].Missing) != 0 || g.Edges[0].Health != Failure {
		t.Errorf("spans only: %+v", g.Edges)
	}
	if _, err := e.Graph(context.Background(), Query{Start: start, End: start}); err == nil {
		t.Error("an empty window is accepted")
	}
}
