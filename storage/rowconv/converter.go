package rowconv

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

// ErrUnsupported is wrapped by the error reported for a metric this package
// cannot store (exponential histograms, delta histograms, metrics with no
// data type).
var ErrUnsupported = errors.New("unsupported")

// ErrMalformed is wrapped by the error reported for a metric some of whose
// data points break the pdata rules (see the package doc); they are skipped.
var ErrMalformed = errors.New("malformed data point")

// Converter turns pmetric.Metrics into storage samples following the
// package contract. It keeps scratch space between calls, so converting a
// batch allocates little beyond the label sets of the samples it returns.
//
// A Converter is reusable and not safe for concurrent use; the zero value is
// ready to use.
type Converter struct {
	ls     labelScratch
	floats floatCache
	meta   metadataSet
	errs   []error

	// Per-metric count of skipped points and the first reason, so that a
	// metric with a thousand bad points yields one error.
	badPoints int
	firstBad  string
}

// AppendMetrics appends the samples of md to dst and returns it, plus the
// metadata of the families it saw (distinct entries, in first-seen order).
//
// A per-metric problem (an exponential histogram, a malformed point) does
// not stop the rest: it is returned as an error naming the metric, joined
// with errors.Join, and the good samples are still appended. Labels of the
// appended samples are sorted and include __name__; samples of one series
// keep the order of md's data points.
func (c *Converter) AppendMetrics(dst []storage.Sample, md pmetric.Metrics) ([]storage.Sample, []storage.Metadata, error) {
	c.errs = c.errs[:0]
	c.meta.reset()
	rms := md.ResourceMetrics()
	for i := range rms.Len() {
		rm := rms.At(i)
		c.ls.setResource(rm.Resource().Attributes())
		sms := rm.ScopeMetrics()
		for j := range sms.Len() {
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				dst = c.appendMetric(dst, ms.At(k))
			}
		}
	}
	c.ls.release()
	err := errors.Join(c.errs...)
	clear(c.errs) // drop references to this call's errors
	return dst, c.meta.take(), err
}

// appendMetric converts one metric and records its metadata and its error.
func (c *Converter) appendMetric(dst []storage.Sample, m pmetric.Metric) []storage.Sample {
	name := m.Name()
	if name == "" {
		c.errs = append(c.errs, fmt.Errorf("metric with an empty name (%s): %w", m.Type(), ErrMalformed))
		return dst
	}
	c.meta.note(m)
	c.badPoints, c.firstBad = 0, ""
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dst = c.appendNumbers(dst, name, m.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		dst = c.appendNumbers(dst, name, m.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		h := m.Histogram()
		if h.AggregationTemporality() == pmetric.AggregationTemporalityDelta {
			c.errs = append(c.errs, fmt.Errorf("metric %q: %w: delta histograms have no Prometheus form", name, ErrUnsupported))
			return dst
		}
		dst = c.appendHistograms(dst, name, h.DataPoints())
	case pmetric.MetricTypeSummary:
		dst = c.appendSummaries(dst, name, m.Summary().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		c.errs = append(c.errs, fmt.Errorf("metric %q: %w: exponential histograms are not stored yet", name, ErrUnsupported))
	default:
		c.errs = append(c.errs, fmt.Errorf("metric %q: %w: no data type", name, ErrUnsupported))
	}
	if c.badPoints > 0 {
		c.errs = append(c.errs, fmt.Errorf("metric %q: %w: %d skipped, first: %s", name, ErrMalformed, c.badPoints, c.firstBad))
	}
	return dst
}

// skipPoint records a malformed data point of the current metric.
func (c *Converter) skipPoint(reason string) {
	if c.badPoints == 0 {
		c.firstBad = reason
	}
	c.badPoints++
}
