package rowconv

import (
	"math"

	"github.com/prometheus/prometheus/model/value"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

// staleNaN is Prometheus' staleness marker as a float.
var staleNaN = math.Float64frombits(value.StaleNaN)

// toMillis converts a pdata timestamp to storage milliseconds, truncating
// toward zero. pdata holds nanoseconds as uint64; reading them as int64
// keeps pre-1970 timestamps (negative milliseconds) exact.
func toMillis(ts pcommon.Timestamp) int64 {
	return int64(ts) / 1e6
}

// pointValue is v, or the staleness marker for a stale point.
func pointValue(stale bool, v float64) float64 {
	if stale {
		return staleNaN
	}
	return v
}

// appendNumbers expands Gauge and Sum points: one series each, named name.
func (c *Converter) appendNumbers(dst []storage.Sample, name string, pts pmetric.NumberDataPointSlice) []storage.Sample {
	for i := range pts.Len() {
		p := pts.At(i)
		var v float64
		switch {
		case p.Flags().NoRecordedValue():
			v = staleNaN
		case p.ValueType() == pmetric.NumberDataPointValueTypeDouble:
			v = p.DoubleValue()
		case p.ValueType() == pmetric.NumberDataPointValueTypeInt:
			v = float64(p.IntValue())
		default:
			c.skipPoint("a data point with neither an int nor a double value")
			continue
		}
		dst = append(dst, storage.Sample{Labels: c.ls.pointSeries(name, p.Attributes()), T: toMillis(p.Timestamp()), V: v})
	}
	return dst
}
