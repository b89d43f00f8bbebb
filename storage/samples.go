package storage

import (
	"context"

	"github.com/prometheus/prometheus/model/labels"
	promstorage "github.com/prometheus/prometheus/storage"
)

// Sample is one Prometheus float sample of one series.
//
// Labels must include __name__ and must be sorted (labels.New and
// labels.Builder guarantee that). T is in milliseconds since the Unix epoch.
// A V that is the Prometheus staleness marker (value.StaleNaN, test it with
// value.IsStaleNaN) ends the series at T, as Prometheus' scraper does.
type Sample struct {
	Labels labels.Labels
	T      int64
	V      float64
}

// SampleWriter appends samples.
//
// AppendSamples takes no ownership of the slice or of the labels: it may be
// reused by the caller once the call returns. Samples of one series must be
// in increasing time order within a batch; a sample older than the newest one
// already stored for its series is rejected as out of order, which is reported
// in the error but does not stop the other samples of the batch from being
// stored. See the package doc for the durability contract.
type SampleWriter interface {
	AppendSamples(ctx context.Context, samples []Sample) error
}

// SampleStore is the samples side of a backend: a SampleWriter plus the
// Prometheus Queryable that promql.Engine and the series/labels APIs read.
type SampleStore interface {
	SampleWriter
	promstorage.Queryable
}

// Metadata is a metric family's TYPE, HELP and UNIT, as Prometheus'
// /api/v1/metadata reports them. Metric is the family name (for a classic
// histogram "foo", not "foo_bucket").
type Metadata struct {
	Metric string
	Type   string
	Help   string
	Unit   string
}

// MetadataStore keeps the latest metadata seen per metric family. It is an
// optional ability of a backend. Metadata is advisory: it is not covered by
// the durability contract and may be rebuilt from incoming data.
//
// Metadata returns, per family, the distinct metadata entries seen (at most
// limit families and limitPerMetric entries each when those are > 0);
// metric, when not empty, selects one family.
type MetadataStore interface {
	UpdateMetadata(ctx context.Context, md []Metadata) error
	Metadata(ctx context.Context, metric string, limit, limitPerMetric int) (map[string][]Metadata, error)
}
