package remotewrite

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// describeMetrics renders the pdata shape the mapping promises: one line
// per metric with kind, points, metadata.
func describeMetrics(md pmetric.Metrics) []string {
	var out []string
	rms := md.ResourceMetrics()
	for i := range rms.Len() {
		rm := rms.At(i)
		if n := rm.Resource().Attributes().Len(); n != 0 {
			out = append(out, fmt.Sprintf("resource with %d attributes", n))
		}
		for j := range rm.ScopeMetrics().Len() {
			sm := rm.ScopeMetrics().At(j)
			if sm.Scope().Name() != rowconv.ScopeName {
				out = append(out, "scope "+sm.Scope().Name())
			}
			for k := range sm.Metrics().Len() {
				m := sm.Metrics().At(k)
				line := fmt.Sprintf("%s %s", m.Name(), m.Type())
				var pts pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					line += fmt.Sprintf(" monotonic=%v %s", m.Sum().IsMonotonic(), m.Sum().AggregationTemporality())
					pts = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					pts = m.Gauge().DataPoints()
				}
				line += fmt.Sprintf(" points=%d", pts.Len())
				for p := range pts.Len() {
					if pts.At(p).Flags().NoRecordedValue() {
						line += fmt.Sprintf(" stale@%d", p)
					}
					if st := pts.At(p).StartTimestamp(); st != 0 {
						line += fmt.Sprintf(" start@%d=%d", p, st)
					}
				}
				if typ, ok := m.Metadata().Get(rowconv.MetadataTypeKey); ok {
					line += " type=" + typ.Str()
				}
				if fam, ok := m.Metadata().Get(rowconv.MetadataFamilyKey); ok {
					line += " family=" + fam.Str()
				}
				if m.Description() != "" || m.Unit() != "" {
					line += fmt.Sprintf(" help=%q unit=%q", m.Description(), m.Unit())
				}
				out = append(out, line)
			}
		}
	}
	return out
}

func TestMappingShape(t *testing.T) {
	want := []string{
		`istio_requests_total Sum monotonic=true Cumulative points=4 stale@2 type=counter help="Requests." unit=""`,
		`envoy_server_live Gauge points=4 type=gauge`,
		`istio_request_duration_milliseconds_bucket Gauge points=4 type=histogram family=istio_request_duration_milliseconds help="Request duration." unit="milliseconds"`,
		`istio_request_duration_milliseconds_sum Gauge points=1 type=histogram family=istio_request_duration_milliseconds help="Request duration." unit="milliseconds"`,
		`istio_request_duration_milliseconds_count Gauge points=2 stale@1 type=histogram family=istio_request_duration_milliseconds help="Request duration." unit="milliseconds"`,
		`go_gc_duration_seconds Gauge points=2 type=summary help="GC pauses." unit=""`,
		`go_gc_duration_seconds_sum Gauge points=1 type=summary family=go_gc_duration_seconds help="GC pauses." unit=""`,
		`go_gc_duration_seconds_count Gauge points=1 type=summary family=go_gc_duration_seconds help="GC pauses." unit=""`,
		`no_metadata Gauge points=1`,
		`istio_requests_total Sum monotonic=true Cumulative points=1 type=counter help="Requests." unit=""`,
	}
	for _, v := range []struct {
		name, contentType string
		body              []byte
	}{
		{"v1", ContentTypeV1, encode(t, v1Request(fixedSeries()))},
		{"v2", ContentTypeV2, encode(t, v2Request(fixedSeries()))},
	} {
		t.Run(v.name, func(t *testing.T) {
			h, s := newTestHandler(t, Config{})
			if w := post(h, v.contentType, "snappy", v.body); w.Code != http.StatusNoContent {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			got := s.take()
			if len(got) != 1 {
				t.Fatalf("consumed %d times, want 1", len(got))
			}
			if g := describeMetrics(got[0]); strings.Join(g, "\n") != strings.Join(want, "\n") {
				t.Errorf("pdata shape\n got:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestV2StartTimestamp(t *testing.T) {
	st := writev2.NewSymbolTable()
	req := &writev2.Request{Timeseries: []writev2.TimeSeries{{
		LabelsRefs: st.SymbolizeLabels(labels.FromStrings(labels.MetricName, "c_total"), nil),
		Samples:    []writev2.Sample{{Value: 1, Timestamp: 2000, StartTimestamp: 1000}},
		Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_COUNTER},
	}}, Symbols: st.Symbols()}
	h, s := newTestHandler(t, Config{})
	w := post(h, ContentTypeV2, "snappy", encode(t, req))
	if w.Code != http.StatusNoContent || w.Header().Get(headerSamplesWritten) != "1" {
		t.Fatalf("status %d, samples written %q: %s", w.Code, w.Header().Get(headerSamplesWritten), w.Body)
	}
	got := describeMetrics(s.take()[0])
	if want := "c_total Sum monotonic=true Cumulative points=1 start@0=1000000000 type=counter"; len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestV1MetadataOnly: Prometheus sends 1.0 metadata in requests without
// series; it must reach rowconv as family metadata.
func TestV1MetadataOnly(t *testing.T) {
	req := &prompb.WriteRequest{Metadata: []prompb.MetricMetadata{
		{MetricFamilyName: "istio_requests_total", Type: prompb.MetricMetadata_COUNTER, Help: "Requests."},
		{MetricFamilyName: "istio_request_duration_milliseconds", Type: prompb.MetricMetadata_HISTOGRAM, Help: "Duration.", Unit: "milliseconds"},
		{MetricFamilyName: "istio_requests_total", Type: prompb.MetricMetadata_COUNTER, Help: "Requests, other target."},
	}}
	h, s := newTestHandler(t, Config{})
	if w := post(h, ContentTypeV1, "snappy", encode(t, req)); w.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	samples, meta := rows(t, s.take())
	if len(samples) != 0 {
		t.Errorf("got %d samples from a metadata-only request", len(samples))
	}
	sameMetadata(t, meta, []storage.Metadata{
		{Metric: "istio_requests_total", Type: "counter", Help: "Requests."},
		{Metric: "istio_request_duration_milliseconds", Type: "histogram", Help: "Duration.", Unit: "milliseconds"},
		{Metric: "istio_requests_total", Type: "counter", Help: "Requests, other target."},
	})
	if st := h.Stats(); st.MetadataAccepted != 3 {
		t.Errorf("MetadataAccepted = %d, want 3", st.MetadataAccepted)
	}
}
