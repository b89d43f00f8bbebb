package storage

import (
	"context"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
)

// Rollup sources: which signal a rollup row was built from.
const (
	RollupSourceLogs    = "logs"
	RollupSourceSpans   = "spans"
	RollupSourceMetrics = "metrics"
)

// RollupSources are the rollup sources in their canonical order.
var RollupSources = []string{RollupSourceLogs, RollupSourceMetrics, RollupSourceSpans}

// RollupKey identifies one rollup row: one minute of one edge, code class,
// source and reporter.
//
// Minute is a UTC minute (truncated). CodeClass is the response code
// divided by 100 (2 for 2xx), 0 when there was no response code (TCP,
// resets). Reporter is "source" or "destination": which side of the call
// observed it (access logs: the reporting proxy; spans: client or server
// span; metrics: Istio's reporter label); readers use it to count each
// request once (see RollupReader). Edge.Protocol is "http", "grpc" or "tcp".
type RollupKey struct {
	Minute    time.Time
	Edge      Edge
	CodeClass int8
	Source    string // RollupSourceLogs, RollupSourceSpans or RollupSourceMetrics
	Reporter  string
}

// RollupCounts are the additive measures of a rollup row or aggregate.
// BytesIn is request bytes (received by the destination), BytesOut response
// bytes. MTLSKnown counts requests whose transport security is known,
// MTLSRequests those of them that used mutual TLS.
type RollupCounts struct {
	Requests     int64
	Errors       int64 // IsFailure: 5xx or a failure response flag
	ClientErrors int64 // IsClientError
	BytesIn      int64
	BytesOut     int64
	MTLSRequests int64
	MTLSKnown    int64
}

// Add adds o into c.
func (c *RollupCounts) Add(o RollupCounts) {
	c.Requests += o.Requests
	c.Errors += o.Errors
	c.ClientErrors += o.ClientErrors
	c.BytesIn += o.BytesIn
	c.BytesOut += o.BytesOut
	c.MTLSRequests += o.MTLSRequests
	c.MTLSKnown += o.MTLSKnown
}

// Rollup is one per-minute rollup row. Latency holds the request
// durations in milliseconds (NewLatencySketch); it may count fewer values
// than Requests (unknown durations). LatencyError is the relative error of
// quantiles read from it: SketchRelativeAccuracy for rows built from
// individual durations, larger for rows built from histogram buckets.
type Rollup struct {
	RollupKey
	RollupCounts
	Latency      *ddsketch.DDSketch
	LatencyError float64
}

// RollupWriter stores rollup rows. Rows with the same key, in one batch or
// across batches, add up (counts sum, sketches merge, LatencyError takes
// the maximum).
//
// batchID identifies the raw input the rows were built from (e.g. a hash
// of it): a batch whose id is already stored is skipped whole, so replaying
// a batch after a failed or unacknowledged write does not count it twice.
// The ids are kept at least as long as the rows (rollup retention). A nil
// error means the whole batch is durable; a non-nil error means none of it
// was stored. WriteRollups takes no ownership of rows or their sketches.
type RollupWriter interface {
	WriteRollups(ctx context.Context, batchID uint64, rows []Rollup) error
}

// RollupQuery selects rollup rows and how they are grouped.
//
// Rows with Start <= Minute < End count (Start and End are truncated to
// the minute by readers). Zero filter fields do not filter. Namespace keeps
// rows whose source or destination namespace equals it.
type RollupQuery struct {
	Start, End time.Time
	Namespace  string
	Sources    []string // keep these sources; empty: all

	// Filters for one service (destination or source side) or one edge.
	SourceService, SourceNamespace           string
	DestinationService, DestinationNamespace string

	// PerMinute keeps the minute in the groups (for series); otherwise one
	// group spans the whole window.
	PerMinute bool
	// SkipLatency asks for the sums only: aggregates then have a nil
	// Latency, which saves reading and merging sketches.
	SkipLatency bool
}

// RollupAggregate is one group of a RollupReader answer: everything of one
// (Source, Reporter, Edge) — and Minute when the query asked PerMinute —
// over all code classes. Latency is the merged sketch (never nil, possibly
// empty, unless the query asked SkipLatency) and belongs to the caller.
type RollupAggregate struct {
	Minute   time.Time // zero unless RollupQuery.PerMinute
	Source   string
	Reporter string
	Edge     Edge
	RollupCounts
	// RequestsByClass counts requests per code class (index
	// RollupKey.CodeClass: 0 for no code, 1 for 1xx … 5 for 5xx).
	RequestsByClass [6]int64
	Latency         *ddsketch.DDSketch
	LatencyError    float64
}

// RollupReader answers from stored rollups only; sums run inside the
// backend. A backend that cannot merge sketches in its query engine may
// merge them in Go, fetching at most one stored row per (group, minute,
// code class). Groups come in no particular order. Choosing between
// reporters, so that a request observed by both proxies counts once, is the
// caller's job (query/graph): both reporters are returned.
type RollupReader interface {
	Rollups(ctx context.Context, q RollupQuery) ([]RollupAggregate, error)
}
