package remotewrite

import (
	"fmt"

	"github.com/prometheus/prometheus/prompb"
)

// convertV1 turns a remote write 1.0 request into pdata (see the package
// doc). Series it cannot write are collected in st.rejected.
func (st *requestState) convertV1(req *prompb.WriteRequest) *builder {
	st.meta1.reset(req.Metadata)
	for i, e := range req.Metadata {
		if e.MetricFamilyName == "" {
			st.rejected.add(ReasonInvalidSeries, 0, nil, fmt.Errorf("metadata entry %d: empty metric_family_name", i))
		}
	}
	b := newBuilder(len(req.Timeseries) + len(req.Metadata))
	for i := range req.Timeseries {
		ts := &req.Timeseries[i]
		st.exemplars += len(ts.Exemplars)
		name, err := checkV1Series(ts)
		if err != nil {
			st.rejected.add(ReasonInvalidSeries, len(ts.Samples)+len(ts.Histograms), ts.Labels, err)
			continue
		}
		if len(ts.Histograms) > 0 {
			st.rejected.add(ReasonNativeHistogram, len(ts.Histograms), ts.Labels, nativeHistogramError(len(ts.Histograms)))
		}
		if len(ts.Samples) == 0 {
			continue
		}
		// In 1.0 metadata is per family name, so the name decides.
		if !b.open || name != b.name {
			b.startMetric(name, st.meta1.lookup(name))
		}
		for _, s := range ts.Samples {
			b.point(ts.Labels, s.Timestamp, s.Value, 0)
		}
	}
	for i, e := range req.Metadata {
		if !st.meta1.used[i] && e.MetricFamilyName != "" {
			b.metadataOnly(v1Meta(e, e.MetricFamilyName))
		}
	}
	return b
}

// checkV1Series validates a 1.0 series and returns its metric name.
func checkV1Series(ts *prompb.TimeSeries) (string, error) {
	name, err := checkLabels(ts.Labels, true)
	if err != nil {
		return "", err
	}
	for _, s := range ts.Samples {
		if err := checkTimestamp("sample timestamp", s.Timestamp); err != nil {
			return "", err
		}
	}
	return name, nil
}

// nativeHistogramError says why a series' native histogram samples are
// refused.
func nativeHistogramError(n int) error {
	return fmt.Errorf("%d native histogram samples refused: meshlens stores float samples and classic histograms only", n)
}
