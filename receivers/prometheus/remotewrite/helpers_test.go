package remotewrite

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// promSeries is one series as a Prometheus sender holds it, with its
// family's metadata (typ "" means the sender has none).
type promSeries struct {
	labels                  labels.Labels
	samples                 []prompb.Sample
	family, typ, help, unit string
	histograms              int // native histogram samples to attach
}

// v1Request encodes series as a remote write 1.0 request, with one
// metadata entry per family that has metadata.
func v1Request(series []promSeries) *prompb.WriteRequest {
	req := &prompb.WriteRequest{}
	seen := map[string]bool{}
	for _, s := range series {
		ts := prompb.TimeSeries{Labels: prompb.FromLabels(s.labels, nil), Samples: s.samples}
		for range s.histograms {
			ts.Histograms = append(ts.Histograms, prompb.Histogram{Count: &prompb.Histogram_CountInt{CountInt: 1}, Schema: 0})
		}
		req.Timeseries = append(req.Timeseries, ts)
		if s.typ != "" && !seen[s.family] {
			seen[s.family] = true
			req.Metadata = append(req.Metadata, prompb.MetricMetadata{
				MetricFamilyName: s.family, Type: prompb.MetricMetadata_MetricType(prompb.MetricMetadata_MetricType_value[upper(s.typ)]),
				Help: s.help, Unit: s.unit,
			})
		}
	}
	return req
}

// v2Request encodes series as a remote write 2.0 request, each series with
// its family's metadata.
func v2Request(series []promSeries) *writev2.Request {
	st := writev2.NewSymbolTable()
	req := &writev2.Request{}
	for _, s := range series {
		ts := writev2.TimeSeries{LabelsRefs: st.SymbolizeLabels(s.labels, nil)}
		for _, smp := range s.samples {
			ts.Samples = append(ts.Samples, writev2.Sample{Value: smp.Value, Timestamp: smp.Timestamp})
		}
		for range s.histograms {
			ts.Histograms = append(ts.Histograms, writev2.Histogram{Count: &writev2.Histogram_CountInt{CountInt: 1}})
		}
		if s.typ != "" {
			ts.Metadata = writev2.Metadata{
				Type:    writev2.Metadata_MetricType(writev2.Metadata_MetricType_value["METRIC_TYPE_"+upper(s.typ)]),
				HelpRef: st.Symbolize(s.help), UnitRef: st.Symbolize(s.unit),
			}
		}
		req.Timeseries = append(req.Timeseries, ts)
	}
	req.Symbols = st.Symbols()
	return req
}

func upper(s string) string { return string(bytes.ToUpper([]byte(s))) }

// marshaler is what the generated prompb messages implement.
type marshaler interface{ Marshal() ([]byte, error) }

// encode marshals and snappy-compresses a request body.
func encode(t testing.TB, m marshaler) []byte {
	t.Helper()
	raw, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

// sink records what the handler hands on; err, when set, is returned.
type sink struct {
	mu  sync.Mutex
	got []pmetric.Metrics
	err error
}

func (s *sink) consume(_ context.Context, md pmetric.Metrics) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, md)
	return nil
}

// take returns and forgets what was consumed so far.
func (s *sink) take() []pmetric.Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.got
	s.got = nil
	return got
}

func newTestHandler(t testing.TB, cfg Config) (*Handler, *sink) {
	t.Helper()
	s := &sink{}
	h, err := NewHandler(cfg, s.consume, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

// post sends body to h as a remote-write request would.
func post(h http.Handler, contentType, encoding string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if encoding != "" {
		r.Header.Set("Content-Encoding", encoding)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// rows converts what was consumed into storage rows, as the exporter does.
func rows(t testing.TB, mds []pmetric.Metrics) ([]storage.Sample, []storage.Metadata) {
	t.Helper()
	var c rowconv.Converter
	var samples []storage.Sample
	var meta []storage.Metadata
	for _, md := range mds {
		var m []storage.Metadata
		var err error
		samples, m, err = c.AppendMetrics(samples, md)
		if err != nil {
			t.Fatalf("rowconv: %v", err)
		}
		meta = append(meta, m...)
	}
	return samples, meta
}
