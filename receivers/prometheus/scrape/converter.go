package scrape

import (
	"log/slog"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// converter turns one target's scrape bodies into pdata, keeping the state
// Prometheus keeps per target between scrapes (series cache, staleness).
// It is used by one goroutine at a time.
type converter struct {
	target                   *target
	honorLabels              bool
	honorTimestamps          bool
	trackTimestampsStaleness bool
	sampleLimit              int
	fallbackMediaType        string
	logger                   *slog.Logger

	cache     *seriesCache
	symbols   *labels.SymbolTable
	lb        *labels.Builder
	conflicts []labels.Label
	samples   []sample
	grouping  grouping
	// units double-buffers what each scrape was emitted as: staleness of
	// scrape N+1 reads the units of scrape N while N+1's are being built.
	units [2][]unit
	flip  int
	index map[metricKey]pmetric.Metric
}

func newConverter(t *target, j *job, logger *slog.Logger) *converter {
	if logger == nil {
		logger = discardLogger
	}
	return &converter{
		target:                   t,
		honorLabels:              j.honorLabels,
		honorTimestamps:          j.honorTimestamps,
		trackTimestampsStaleness: j.trackTimestampsStaleness,
		sampleLimit:              j.sampleLimit,
		fallbackMediaType:        j.fallbackMediaType,
		logger:                   logger,
		cache:                    newSeriesCache(),
		symbols:                  labels.NewSymbolTable(),
		lb:                       labels.NewBuilder(labels.EmptyLabels()),
		index:                    map[metricKey]pmetric.Metric{},
	}
}

// outcome is what one scrape produced, for the report series and the logs.
type outcome struct {
	counts
	err error // the scrape failed: up is 0
}

// convert turns one scrape into pdata: the samples of body (when fetchErr
// is nil), staleness markers for series that disappeared (all of the
// target's series when the scrape or the parse failed), and the report
// series up, scrape_duration_seconds, ... stamped at appendTime.
// duration measures the scrape up to now and is called once conversion is
// done, so that scrape_duration_seconds includes it as in Prometheus.
func (c *converter) convert(body []byte, contentType string, fetchErr error, appendTime time.Time, duration func() time.Duration) (pmetric.Metrics, outcome) {
	defTime := timestamp.FromTime(appendTime)
	b := c.newBuilder()
	var out outcome
	switch {
	case fetchErr != nil:
		out.err = fetchErr
	case len(body) == 0:
		// Prometheus treats an empty body as a successful scrape of nothing.
		c.emitStale(b, defTime, false)
		c.cache.iterDone(false)
	default:
		out.counts, out.err = c.parse(body, contentType, defTime, time.Now())
		if out.err == nil {
			c.emitSamples(b, c.buildUnits())
			c.emitStale(b, defTime, false)
			c.cache.iterDone(true)
		}
	}
	if out.err != nil {
		c.emitStale(b, defTime, true)
		c.cache.dropCurrent()
		c.cache.iterDone(false)
	}
	c.emitReport(b, defTime, duration(), out)
	return b.md, out
}
