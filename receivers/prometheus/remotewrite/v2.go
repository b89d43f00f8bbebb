package remotewrite

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
)

// convertV2 turns a remote write 2.0 request into pdata (see the package
// doc). Series it cannot write are collected in st.rejected.
func (st *requestState) convertV2(req *writev2.Request) *builder {
	syms := req.Symbols
	// Series share symbols, so UTF-8 is checked once per symbol, not once
	// per reference; only a request with a bad symbol checks per series.
	symbolsValid := true
	for _, s := range syms {
		if !utf8.ValidString(s) {
			symbolsValid = false
			break
		}
	}
	b := newBuilder(len(req.Timeseries))
	for i := range req.Timeseries {
		ts := &req.Timeseries[i]
		st.exemplars += len(ts.Exemplars)
		var err error
		st.labels, err = desymbolize(st.labels[:0], ts.LabelsRefs, syms)
		name := ""
		if err == nil {
			name, err = checkV2Series(ts, st.labels, syms, !symbolsValid)
		}
		if err != nil {
			st.rejected.add(ReasonInvalidSeries, len(ts.Samples)+len(ts.Histograms), st.labels, err)
			continue
		}
		if len(ts.Histograms) > 0 {
			st.rejected.add(ReasonNativeHistogram, len(ts.Histograms), st.labels, nativeHistogramError(len(ts.Histograms)))
		}
		if len(ts.Samples) == 0 {
			continue
		}
		meta := v2Meta(name, ts.Metadata, syms)
		if !b.continues(name, meta) {
			b.startMetric(name, meta)
		}
		for _, s := range ts.Samples {
			b.point(st.labels, s.Timestamp, s.Value, s.StartTimestamp)
		}
	}
	return b
}

// desymbolize appends the labels that refs point at in syms to dst.
// dst is never nil on return, so that a problem report names the series
// even when it has no labels.
func desymbolize(dst []prompb.Label, refs []uint32, syms []string) ([]prompb.Label, error) {
	if dst == nil {
		dst = make([]prompb.Label, 0, max(len(refs)/2, 8))
	}
	if len(refs)%2 != 0 {
		return dst, fmt.Errorf("odd number of label refs (%d)", len(refs))
	}
	for i := 0; i < len(refs); i += 2 {
		n, v := refs[i], refs[i+1]
		if int(n) >= len(syms) || int(v) >= len(syms) {
			return dst, fmt.Errorf("label ref pair (%d, %d) outside the symbols table of %d", n, v, len(syms))
		}
		dst = append(dst, prompb.Label{Name: syms[n], Value: syms[v]})
	}
	return dst, nil
}

// checkV2Series validates a 2.0 series whose labels are ls and returns its
// metric name. checkUTF8 is false when every symbol is known to be valid.
func checkV2Series(ts *writev2.TimeSeries, ls []prompb.Label, syms []string, checkUTF8 bool) (string, error) {
	name, err := checkLabels(ls, checkUTF8)
	if err != nil {
		return "", err
	}
	if len(ts.Samples) == 0 && len(ts.Histograms) == 0 {
		return "", errors.New("no samples and no histograms")
	}
	if m := ts.Metadata; int(m.HelpRef) >= len(syms) || int(m.UnitRef) >= len(syms) {
		return "", fmt.Errorf("metadata help_ref %d or unit_ref %d outside the symbols table of %d", m.HelpRef, m.UnitRef, len(syms))
	}
	for _, s := range ts.Samples {
		if err := checkTimestamp("sample timestamp", s.Timestamp); err != nil {
			return "", err
		}
		if err := checkTimestamp("sample start timestamp", s.StartTimestamp); err != nil {
			return "", err
		}
	}
	return name, nil
}

// v2Meta returns a 2.0 series' metadata (refs already checked). The family
// is inferred from the name and type, 2.0 sending none.
func v2Meta(name string, m writev2.Metadata, syms []string) seriesMeta {
	help, unit := syms[m.HelpRef], syms[m.UnitRef]
	if m.Type == writev2.Metadata_METRIC_TYPE_UNSPECIFIED && help == "" && unit == "" {
		return seriesMeta{}
	}
	typ := typeName(int32(m.Type))
	return seriesMeta{typ: typ, family: familyOf(name, typ), help: help, unit: unit}
}
