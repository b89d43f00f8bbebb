package rowconv

import (
	"math"

	"github.com/prometheus/prometheus/model/labels"
)

// FormatLabelFloat formats an `le` or `quantile` label value exactly as
// Prometheus 3 normalises them when it ingests a classic histogram or a
// summary (textparse's normalizeFloatsInLabelValues): Go's shortest 'g'
// formatting with ".0" appended when the result has neither "." nor "e",
// and "+Inf", "-Inf", "NaN" for the special values. So 1 is "1.0", 0.005 is
// "0.005", 1e+06 stays "1e+06".
func FormatLabelFloat(f float64) string {
	return labels.FormatOpenMetricsFloat(f)
}

// floatCacheMax bounds floatCache; bucket bounds and quantiles repeat from
// point to point, so a few hundred distinct values cover real workloads.
const floatCacheMax = 1024

// floatCache memoises FormatLabelFloat so that the le and quantile values of
// every histogram and summary point do not each allocate a string.
type floatCache struct {
	m map[uint64]string
}

// format returns FormatLabelFloat(f), from the cache when it can.
func (c *floatCache) format(f float64) string {
	key := math.Float64bits(f)
	if s, ok := c.m[key]; ok {
		return s
	}
	if c.m == nil || len(c.m) >= floatCacheMax {
		c.m = make(map[uint64]string, 64)
	}
	s := FormatLabelFloat(f)
	c.m[key] = s
	return s
}
