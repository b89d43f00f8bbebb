package remotewrite

import (
	"math"

	"github.com/prometheus/prometheus/prompb"
)

// v1Decoder decodes a prometheus.WriteRequest into the generated prompb
// types, accepting exactly what the generated Unmarshal accepts (a fuzz
// test holds the two to the same results) but without its cost: label
// strings alias the decoded body instead of being copied one by one, and
// label and sample slices are carved from arenas reused across requests.
// On the 1.0 hot path that removes some thirty allocations per series.
//
// Because strings alias it, a body decoded this way must never be reused
// or changed: it lives as long as the pdata that points into it.
type v1Decoder struct {
	labels  []prompb.Label
	samples []prompb.Sample
}

// maxPooledArena bounds the arenas a pooled decoder keeps.
const maxPooledArena = 1 << 16

func (d *v1Decoder) reset() {
	if cap(d.labels) > maxPooledArena {
		d.labels = nil
	}
	if cap(d.samples) > maxPooledArena {
		d.samples = nil
	}
	// Not cleared: the labels keep the last body reachable until they are
	// overwritten or the pool drops the decoder at a GC, which is cheaper
	// than clearing them on every request.
	d.labels, d.samples = d.labels[:0], d.samples[:0]
}

// unmarshal decodes body into req, which must be empty; it returns whether
// the message had fields a 1.0 request does not define.
func (d *v1Decoder) unmarshal(body []byte, req *prompb.WriteRequest) (unknown bool, err error) {
	r := wireReader{b: body}
	for r.more() {
		field, wt, err := r.tag("WriteRequest")
		if err != nil {
			return unknown, err
		}
		switch field {
		case 1:
			if err := expect("Timeseries", wt, wireBytes); err != nil {
				return unknown, err
			}
			b, err := r.bytes()
			if err != nil {
				return unknown, err
			}
			req.Timeseries = append(req.Timeseries, prompb.TimeSeries{})
			if err := d.timeSeries(b, &req.Timeseries[len(req.Timeseries)-1]); err != nil {
				return unknown, err
			}
		case 3:
			if err := expect("Metadata", wt, wireBytes); err != nil {
				return unknown, err
			}
			b, err := r.bytes()
			if err != nil {
				return unknown, err
			}
			req.Metadata = append(req.Metadata, prompb.MetricMetadata{})
			if err := metricMetadata(b, &req.Metadata[len(req.Metadata)-1]); err != nil {
				return unknown, err
			}
		default:
			unknown = true
			if err := r.skip(wt); err != nil {
				return unknown, err
			}
		}
	}
	return unknown, nil
}

func (d *v1Decoder) timeSeries(b []byte, ts *prompb.TimeSeries) error {
	r := wireReader{b: b}
	firstLabel, firstSample := len(d.labels), len(d.samples)
	for r.more() {
		field, wt, err := r.tag("TimeSeries")
		if err != nil {
			return err
		}
		switch field {
		case 1:
			if err := expect("Labels", wt, wireBytes); err != nil {
				return err
			}
			b, err := r.bytes()
			if err != nil {
				return err
			}
			d.labels = append(d.labels, prompb.Label{})
			if err := label(b, &d.labels[len(d.labels)-1]); err != nil {
				return err
			}
		case 2:
			if err := expect("Samples", wt, wireBytes); err != nil {
				return err
			}
			b, err := r.bytes()
			if err != nil {
				return err
			}
			d.samples = append(d.samples, prompb.Sample{})
			if err := sample(b, &d.samples[len(d.samples)-1]); err != nil {
				return err
			}
		case 3:
			// Exemplars and native histograms are refused or dropped, and
			// rare: the generated code decodes them, for the same checks.
			if err := expect("Exemplars", wt, wireBytes); err != nil {
				return err
			}
			b, err := r.bytes()
			if err != nil {
				return err
			}
			ts.Exemplars = append(ts.Exemplars, prompb.Exemplar{})
			if err := ts.Exemplars[len(ts.Exemplars)-1].Unmarshal(b); err != nil {
				return err
			}
		case 4:
			if err := expect("Histograms", wt, wireBytes); err != nil {
				return err
			}
			b, err := r.bytes()
			if err != nil {
				return err
			}
			ts.Histograms = append(ts.Histograms, prompb.Histogram{})
			if err := ts.Histograms[len(ts.Histograms)-1].Unmarshal(b); err != nil {
				return err
			}
		default:
			if err := r.skip(wt); err != nil {
				return err
			}
		}
	}
	if n := len(d.labels); n > firstLabel {
		ts.Labels = d.labels[firstLabel:n:n]
	}
	if n := len(d.samples); n > firstSample {
		ts.Samples = d.samples[firstSample:n:n]
	}
	return nil
}

func label(b []byte, l *prompb.Label) error {
	r := wireReader{b: b}
	for r.more() {
		field, wt, err := r.tag("Label")
		if err != nil {
			return err
		}
		switch field {
		case 1:
			if err := expect("Name", wt, wireBytes); err != nil {
				return err
			}
			if l.Name, err = r.string(); err != nil {
				return err
			}
		case 2:
			if err := expect("Value", wt, wireBytes); err != nil {
				return err
			}
			if l.Value, err = r.string(); err != nil {
				return err
			}
		default:
			if err := r.skip(wt); err != nil {
				return err
			}
		}
	}
	return nil
}

func sample(b []byte, s *prompb.Sample) error {
	r := wireReader{b: b}
	for r.more() {
		field, wt, err := r.tag("Sample")
		if err != nil {
			return err
		}
		switch field {
		case 1:
			if err := expect("Value", wt, wireFixed64); err != nil {
				return err
			}
			v, err := r.fixed64()
			if err != nil {
				return err
			}
			s.Value = math.Float64frombits(v)
		case 2:
			if err := expect("Timestamp", wt, wireVarint); err != nil {
				return err
			}
			v, err := r.varint()
			if err != nil {
				return err
			}
			s.Timestamp = int64(v)
		default:
			if err := r.skip(wt); err != nil {
				return err
			}
		}
	}
	return nil
}

func metricMetadata(b []byte, m *prompb.MetricMetadata) error {
	r := wireReader{b: b}
	for r.more() {
		field, wt, err := r.tag("MetricMetadata")
		if err != nil {
			return err
		}
		switch field {
		case 1:
			if err := expect("Type", wt, wireVarint); err != nil {
				return err
			}
			v, err := r.varint()
			if err != nil {
				return err
			}
			m.Type = prompb.MetricMetadata_MetricType(int32(v))
		case 2:
			if err := expect("MetricFamilyName", wt, wireBytes); err != nil {
				return err
			}
			if m.MetricFamilyName, err = r.string(); err != nil {
				return err
			}
		case 4:
			if err := expect("Help", wt, wireBytes); err != nil {
				return err
			}
			if m.Help, err = r.string(); err != nil {
				return err
			}
		case 5:
			if err := expect("Unit", wt, wireBytes); err != nil {
				return err
			}
			if m.Unit, err = r.string(); err != nil {
				return err
			}
		default:
			if err := r.skip(wt); err != nil {
				return err
			}
		}
	}
	return nil
}
