package storage

import (
	"context"
	"time"
)

// Edge names one caller→callee pair. Empty source fields (or the service
// "unknown") mean the caller is unknown (not in the mesh or not
// instrumented). Namespaces are "" where unknown or not Kubernetes.
type Edge struct {
	SourceService        string
	SourceNamespace      string
	SourceVersion        string
	DestinationService   string
	DestinationNamespace string
	DestinationVersion   string
	Protocol             string
}

// RED is request rate, errors and duration over a window. Rate is per
// second; latencies are in milliseconds and carry RelativeError, the
// relative accuracy of the sketch they came from (0 for exact).
type RED struct {
	Requests      int64
	Errors        int64 // 5xx and failure response flags
	ClientErrors  int64 // 4xx, reported apart
	Rate          float64
	ErrorRatio    float64
	P50, P90, P99 float64
	RelativeError float64
	BytesIn       int64
	BytesOut      int64
}

// REDQuery selects a window and a grouping: "service" or "edge".
type REDQuery struct {
	Start, End time.Time
	By         string
	Namespace  string
	Source     string // "logs", "spans", "metrics" or "" for the backend's best
}

// REDRow is one group of a RED answer. For By=="service" only
// Edge.DestinationService and Edge.DestinationNamespace are set.
type REDRow struct {
	Edge    Edge
	RED     RED
	Sources []string
}

// REDReader computes RED inside the backend (SQL GROUP BY or sketch merges),
// never by pulling raw rows into Go.
//
// From access logs (Source "logs"), as storagetest.BruteForceRED spells
// out: the window is Start <= start < End; Errors counts IsFailure records
// and ClientErrors IsClientError ones; a request logged by both proxies
// counts once, because per destination service and namespace only the
// records of one reporter count ("destination" for By "service", "source"
// for "edge"), the other reporter's standing in for destinations that have
// none of those in the window; P50/P90/P99 are exact nearest-rank (the
// duration at 1-based rank ceil(q·n) of the known durations, RelativeError 0).
type REDReader interface {
	RED(ctx context.Context, q REDQuery) ([]REDRow, error)
}

// GraphReader returns the dependency graph for a window; aggregation runs
// inside the backend.
type GraphReader interface {
	Edges(ctx context.Context, q REDQuery) ([]REDRow, error)
}
