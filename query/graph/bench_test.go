package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/embedded"

	"github.com/meshlens/meshlens/internal/testutil"
)

// benchRollups writes one hour of rollups for a mesh of n services, each
// calling two others (2n edges), as all three sources and both reporters
// would give them: 2xx and 5xx rows per minute, each with a sketch of a
// few dozen bins.
func benchRollups(b *testing.B, n int, end time.Time) storage.RollupReader {
	dir := b.TempDir()
	be, err := embedded.Open(embedded.Config{Path: dir}, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := end.Add(-time.Hour)
	var id uint64
	for m := range 60 {
		minute := start.Add(time.Duration(m) * time.Minute)
		var rows []storage.Rollup
		for i := range n {
			for j := 1; j <= 2; j++ {
				e := storage.Edge{SourceService: fmt.Sprintf("svc-%d", i), SourceNamespace: "default", SourceVersion: "v1",
					DestinationService: fmt.Sprintf("svc-%d", (i+j)%n), DestinationNamespace: "default",
					DestinationVersion: fmt.Sprintf("v%d", j), Protocol: "http"}
				for _, src := range storage.RollupSources {
					for _, rep := range []string{"source", "destination"} {
						for _, class := range []int8{2, 5} {
							r := storage.Rollup{RollupKey: storage.RollupKey{Minute: minute, Edge: e, CodeClass: class, Source: src, Reporter: rep},
								RollupCounts: storage.RollupCounts{Requests: 60, BytesIn: 6000, BytesOut: 60000, MTLSKnown: 60, MTLSRequests: 60},
								Latency:      storage.NewLatencySketch(), LatencyError: storage.SketchRelativeAccuracy}
							if class == 5 {
								r.Requests, r.Errors = 1, 1
							}
							for k := range r.Requests {
								_ = r.Latency.Add(float64(5+j) * (0.5 + float64(k%30)/20))
							}
							rows = append(rows, r)
						}
					}
				}
			}
		}
		id++
		if err := be.WriteRollups(context.Background(), id, rows); err != nil {
			b.Fatal(err)
		}
	}
	// Reopen, as a server that has run for a while: the WAL is
	// checkpointed into the file.
	if err := be.Close(); err != nil {
		b.Fatal(err)
	}
	if be, err = embedded.Open(embedded.Config{Path: dir}, nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = be.Close() })
	return be
}

// BenchmarkGraph1h200Services answers /graph for one hour of a 200-service
// mesh from rollups (all sources, both reporters).
func BenchmarkGraph1h200Services(b *testing.B) {
	end := time.Now().UTC().Truncate(time.Minute)
	r := benchRollups(b, 200, end)
	e := &graph.Engine{Reader: r, Health: graph.DefaultHealth()}
	q := graph.Query{Start: end.Add(-time.Hour), End: end, Source: graph.SourceAuto}
	b.ReportAllocs()
	cpu0 := testutil.ProcessCPU()
	for b.Loop() {
		g, err := e.Graph(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		if len(g.Edges) != 400 || len(g.Nodes) != 400 {
			b.Fatalf("%d edges, %d nodes", len(g.Edges), len(g.Nodes))
		}
	}
	// CPU time (all threads, DuckDB's included) per query: on a shared,
	// loaded machine it says more than wall time does.
	b.ReportMetric(float64((testutil.ProcessCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkRollupsRead1h200Services splits the graph's cost: the sums of
// every source, and the sums with sketches of one source.
func BenchmarkRollupsRead1h200Services(b *testing.B) {
	end := time.Now().UTC().Truncate(time.Minute)
	r := benchRollups(b, 200, end)
	for _, c := range []struct {
		name string
		q    storage.RollupQuery
	}{
		{"sums", storage.RollupQuery{Start: end.Add(-time.Hour), End: end, SkipLatency: true}},
		{"logs+sketches", storage.RollupQuery{Start: end.Add(-time.Hour), End: end, Sources: []string{"logs"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := testutil.ProcessCPU()
			for b.Loop() {
				if _, err := r.Rollups(context.Background(), c.q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((testutil.ProcessCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
