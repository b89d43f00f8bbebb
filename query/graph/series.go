package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rollup"
)

// MaxSeriesPoints bounds the points of one series answer.
const MaxSeriesPoints = 11_000

// SeriesQuery selects one service (Kind "service": the traffic it
// received) or one edge (Kind "edge": calls from SourceService to
// DestinationService, any versions and protocols) over a window, in steps
// of Step (a whole number of minutes).
type SeriesQuery struct {
	Query
	Kind                 string
	Service, Namespace   string // for "service"
	SourceService        string // for "edge"
	SourceNamespace      string
	DestinationService   string
	DestinationNamespace string
	Step                 time.Duration
}

// Point is one step of a series: T is the step's start in Unix seconds.
type Point struct {
	T          int64   `json:"t"`
	Rate       float64 `json:"rate"`
	ErrorRatio float64 `json:"error_ratio"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Requests   int64   `json:"requests"`
}

// Series is the /series answer. Source is the source the points come
// from: under "auto", the best source (logs, metrics, spans) with data for
// the selection in the window, so that one chart does not mix sources.
type Series struct {
	Source string  `json:"source"`
	Step   int64   `json:"step"`
	Points []Point `json:"points"`
}

// Series answers q from per-minute rollups; every step of the window has
// a point (zero when idle).
func (e *Engine) Series(ctx context.Context, q SeriesQuery) (*Series, error) {
	rq, err := q.rollupQuery()
	if err != nil {
		return nil, err
	}
	start, end := rq.Start, rq.End
	step := q.Step
	if step == 0 {
		step = time.Minute
	}
	if step < time.Minute || step%time.Minute != 0 {
		return nil, fmt.Errorf("step %s is not a whole number of minutes", step)
	}
	start = start.Truncate(step)
	if n := end.Sub(start) / step; n > MaxSeriesPoints {
		return nil, fmt.Errorf("%d points exceed the limit of %d: raise step", n, MaxSeriesPoints)
	}
	rq.Start, rq.Namespace, rq.PerMinute = start, "", true
	preferred := "destination"
	switch q.Kind {
	case "service":
		if q.Service == "" {
			return nil, errors.New("service is required for kind=service")
		}
		rq.DestinationService, rq.DestinationNamespace = q.Service, q.Namespace
	case "edge":
		if q.SourceService == "" || q.DestinationService == "" {
			return nil, errors.New("source_service and dest_service are required for kind=edge")
		}
		rq.SourceService, rq.SourceNamespace = q.SourceService, q.SourceNamespace
		rq.DestinationService, rq.DestinationNamespace = q.DestinationService, q.DestinationNamespace
		preferred = "source"
	default:
		return nil, fmt.Errorf("kind %q is not service or edge", q.Kind)
	}
	aggs, err := e.Reader.Rollups(ctx, rq)
	if err != nil {
		return nil, fmt.Errorf("reading rollups: %w", err)
	}
	aggs = rollup.PreferReporter(aggs, preferred)
	has := map[string]bool{}
	for i := range aggs {
		has[aggs[i].Source] = true
	}
	source := ""
	for _, s := range sourcePreference {
		if has[s] {
			source = s
			break
		}
	}
	steps := int(end.Sub(start) / step)
	if end.Sub(start)%step != 0 {
		steps++
	}
	buckets := make([]storage.RollupAggregate, steps)
	for i := range aggs {
		a := &aggs[i]
		if a.Source != source {
			continue
		}
		j := int(a.Minute.Sub(start) / step)
		if j < 0 || j >= steps {
			continue
		}
		rollup.MergeAggregate(&buckets[j], a)
	}
	out := &Series{Source: source, Step: int64(step / time.Second), Points: make([]Point, steps)}
	for j := range buckets {
		from := start.Add(time.Duration(j) * step)
		r := redOf(&buckets[j], min(step, end.Sub(from))) // the last step may be cut short

		out.Points[j] = Point{T: from.Unix(), Rate: r.Rate, ErrorRatio: r.ErrorRatio,
			P50: r.P50, P90: r.P90, P99: r.P99, Requests: r.Requests}
	}
	return out, nil
}
