package remotewrite

import (
	"math"
	"reflect"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
)

// FuzzDecodeV1MatchesGenerated holds the hand-written 1.0 decoder to the
// generated prompb Unmarshal: for any input both fail, or both succeed with
// the same content.
func FuzzDecodeV1MatchesGenerated(f *testing.F) {
	fuzzSeedsV1(f)
	// Unknown fields, groups, repeated singular fields, odd wire types.
	f.Add([]byte{0x12, 0x01, 0x00})                                           // unknown field 2
	f.Add([]byte{0x0b, 0x10, 0x01, 0x0c})                                     // group 1 holding a varint
	f.Add([]byte{0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x00, 0x0a, 0x01})             // label name repeated, truncated
	f.Add([]byte{0x1a, 0x04, 0x08, 0x81, 0x80, 0x04})                         // metadata type over several bytes
	f.Add([]byte{0x0a, 0x0b, 0x12, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}) // sample value
	var d v1Decoder
	f.Fuzz(func(t *testing.T, body []byte) {
		var want, got prompb.WriteRequest
		wantErr := want.Unmarshal(body)
		d.reset()
		unknown, gotErr := d.unmarshal(body, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("generated: %v, hand-written: %v", wantErr, gotErr)
		}
		if wantErr != nil {
			return
		}
		if unknown != (len(want.XXX_unrecognized) > 0) {
			t.Fatalf("unknown fields: %v, generated kept %d bytes", unknown, len(want.XXX_unrecognized))
		}
		sameWriteRequest(t, &got, &want)
	})
}

func sameWriteRequest(t *testing.T, got, want *prompb.WriteRequest) {
	t.Helper()
	if len(got.Timeseries) != len(want.Timeseries) || len(got.Metadata) != len(want.Metadata) {
		t.Fatalf("got %d series and %d metadata, want %d and %d", len(got.Timeseries), len(got.Metadata), len(want.Timeseries), len(want.Metadata))
	}
	for i := range want.Timeseries {
		g, w := got.Timeseries[i], want.Timeseries[i]
		if len(g.Labels) != len(w.Labels) || len(g.Samples) != len(w.Samples) {
			t.Fatalf("series %d: %d labels %d samples, want %d and %d", i, len(g.Labels), len(g.Samples), len(w.Labels), len(w.Samples))
		}
		for j := range w.Labels {
			if g.Labels[j].Name != w.Labels[j].Name || g.Labels[j].Value != w.Labels[j].Value {
				t.Fatalf("series %d label %d: %+v, want %+v", i, j, g.Labels[j], w.Labels[j])
			}
		}
		for j := range w.Samples {
			if g.Samples[j].Timestamp != w.Samples[j].Timestamp || math.Float64bits(g.Samples[j].Value) != math.Float64bits(w.Samples[j].Value) {
				t.Fatalf("series %d sample %d: %+v, want %+v", i, j, g.Samples[j], w.Samples[j])
			}
		}
		if !reflect.DeepEqual(g.Exemplars, w.Exemplars) || !reflect.DeepEqual(g.Histograms, w.Histograms) {
			t.Fatalf("series %d: exemplars or histograms differ", i)
		}
	}
	for i := range want.Metadata {
		g, w := got.Metadata[i], want.Metadata[i]
		if g.Type != w.Type || g.MetricFamilyName != w.MetricFamilyName || g.Help != w.Help || g.Unit != w.Unit {
			t.Fatalf("metadata %d: %+v, want %+v", i, g, w)
		}
	}
}

// TestDecodeV1Arenas: series decoded from one request keep their own
// labels and samples although they share arenas, and a reset decoder
// decodes the next request as well.
func TestDecodeV1Arenas(t *testing.T) {
	series := istioSeries(500)
	raw, err := v1Request(series).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var d v1Decoder
	for range 2 {
		var want, got prompb.WriteRequest
		if err := want.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		d.reset()
		if _, err := d.unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		sameWriteRequest(t, &got, &want)
		if got.Timeseries[0].Labels[0].Name != labels.MetricName {
			t.Fatalf("first label %q", got.Timeseries[0].Labels[0].Name)
		}
	}
}
