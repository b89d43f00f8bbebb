package rowconv

import (
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

// appendSummaries expands summary points into name{quantile=…}, name_sum and
// name_count.
func (c *Converter) appendSummaries(dst []storage.Sample, name string, pts pmetric.SummaryDataPointSlice) []storage.Sample {
	names := newFamilyNames(name)
	for i := range pts.Len() {
		p := pts.At(i)
		stale := p.Flags().NoRecordedValue()
		c.ls.setPoint(p.Attributes())
		t := toMillis(p.Timestamp())
		qs := p.QuantileValues()
		for j := range qs.Len() {
			q := qs.At(j)
			dst = append(dst, storage.Sample{Labels: c.ls.series(name, model.QuantileLabel, c.floats.format(q.Quantile())), T: t, V: pointValue(stale, q.Value())})
		}
		dst = append(dst, storage.Sample{Labels: c.ls.series(names.sum, "", ""), T: t, V: pointValue(stale, p.Sum())})
		dst = append(dst, storage.Sample{Labels: c.ls.series(names.count, "", ""), T: t, V: pointValue(stale, float64(p.Count()))})
	}
	return dst
}
