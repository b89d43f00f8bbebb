// Package rollup builds per-minute edge rollups (storage.Rollup) from raw
// access logs, spans and Istio metric samples, separately per source. It
// is backend-neutral: the meshlens exporter feeds it after each durable raw
// write and hands the rows to a storage.RollupWriter.
package rollup

import (
	"cmp"
	"slices"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Builder accumulates rollup rows. The zero value is not usable: call
// NewBuilder. A Builder is not safe for concurrent use; Reset reuses it.
type Builder struct {
	rows map[storage.RollupKey]*storage.Rollup
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{rows: map[storage.RollupKey]*storage.Rollup{}}
}

// Len is the number of distinct rollup rows so far.
func (b *Builder) Len() int { return len(b.rows) }

// Reset forgets every row.
func (b *Builder) Reset() { clear(b.rows) }

// Rows returns the rows built so far, sorted by key. The rows and their
// sketches belong to the caller; the Builder keeps its own until Reset.
func (b *Builder) Rows() []storage.Rollup {
	out := make([]storage.Rollup, 0, len(b.rows))
	for _, r := range b.rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b storage.Rollup) int { return CompareKeys(a.RollupKey, b.RollupKey) })
	return out
}

// row returns the row of k, creating it.
func (b *Builder) row(k storage.RollupKey) *storage.Rollup {
	r := b.rows[k]
	if r == nil {
		r = &storage.Rollup{RollupKey: k, Latency: storage.NewLatencySketch(), LatencyError: storage.SketchRelativeAccuracy}
		b.rows[k] = r
	}
	return r
}

// observe adds count requests of one outcome to k's row, with their
// duration in ms (negative: unknown).
func (b *Builder) observe(k storage.RollupKey, c storage.RollupCounts, durationMs float64) {
	r := b.row(k)
	r.RollupCounts.Add(c)
	if durationMs >= 0 && c.Requests > 0 {
		_ = r.Latency.AddWithCount(durationMs, float64(c.Requests))
	}
}

// Minute truncates t to its UTC minute, the rollup time grain.
func Minute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

// outcome is the counts of one request with this code and flags.
func outcome(code int32, flags string) storage.RollupCounts {
	c := storage.RollupCounts{Requests: 1}
	if storage.IsFailure(code, flags) {
		c.Errors = 1
	} else if storage.IsClientError(code, flags) {
		c.ClientErrors = 1
	}
	return c
}

// codeClass is code/100 for codes 100..599, else 0.
func codeClass(code int32) int8 {
	if code >= 100 && code <= 599 {
		return int8(code / 100)
	}
	return 0
}

// CompareKeys orders rollup keys by minute, source, reporter, edge and code
// class.
func CompareKeys(a, b storage.RollupKey) int {
	return cmp.Or(a.Minute.Compare(b.Minute), cmp.Compare(a.Source, b.Source), cmp.Compare(a.Reporter, b.Reporter),
		CompareEdges(a.Edge, b.Edge), cmp.Compare(a.CodeClass, b.CodeClass))
}

// CompareEdges orders edges field by field.
func CompareEdges(a, b storage.Edge) int {
	return cmp.Or(
		cmp.Compare(a.SourceService, b.SourceService), cmp.Compare(a.SourceNamespace, b.SourceNamespace),
		cmp.Compare(a.SourceVersion, b.SourceVersion), cmp.Compare(a.DestinationService, b.DestinationService),
		cmp.Compare(a.DestinationNamespace, b.DestinationNamespace), cmp.Compare(a.DestinationVersion, b.DestinationVersion),
		cmp.Compare(a.Protocol, b.Protocol))
}
