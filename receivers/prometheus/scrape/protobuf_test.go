package scrape

import (
	"bytes"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"google.golang.org/protobuf/proto"
)

// TestConvertProtobuf scrapes the protobuf exposition (scrape_protocols:
// [PrometheusProto]); the parser yields classic series, which must convert
// like the text formats.
func TestConvertProtobuf(t *testing.T) {
	lbl := []*dto.LabelPair{{Name: proto.String("response_code"), Value: proto.String("200")}}
	families := []*dto.MetricFamily{
		{
			Name: proto.String("istio_requests_total"), Help: proto.String("Requests."), Type: dto.MetricType_COUNTER.Enum(),
			Metric: []*dto.Metric{{Label: lbl, Counter: &dto.Counter{Value: proto.Float64(42)}}},
		},
		{
			Name: proto.String("istio_request_duration_milliseconds"), Type: dto.MetricType_HISTOGRAM.Enum(),
			Metric: []*dto.Metric{{Label: lbl, Histogram: &dto.Histogram{
				SampleCount: proto.Uint64(42), SampleSum: proto.Float64(1234.5),
				Bucket: []*dto.Bucket{
					{UpperBound: proto.Float64(0.5), CumulativeCount: proto.Uint64(0)},
					{UpperBound: proto.Float64(5), CumulativeCount: proto.Uint64(3)},
					{UpperBound: proto.Float64(1000), CumulativeCount: proto.Uint64(42)},
				},
			}}},
		},
	}
	var body bytes.Buffer
	enc := expfmt.NewEncoder(&body, expfmt.NewFormat(expfmt.TypeProtoDelim))
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	c := newTestConverter(t, JobConfig{ScrapeProtocols: []ScrapeProtocol{PrometheusProto}})
	md, out := convertChecked(t, c, body.Bytes(), scrapeProtocolHeaders[PrometheusProto], nil, t0)
	if out.err != nil {
		t.Fatal(out.err)
	}
	if m := mustMetric(t, md, "istio_requests_total", pmetric.MetricTypeSum); m.Description() != "Requests." {
		t.Errorf("help %q", m.Description())
	}
	dp := mustMetric(t, md, "istio_request_duration_milliseconds", pmetric.MetricTypeHistogram).Histogram().DataPoints().At(0)
	if dp.Count() != 42 || dp.ExplicitBounds().Len() != 3 || dp.BucketCounts().At(3) != 0 {
		t.Errorf("histogram bounds %v counts %v", dp.ExplicitBounds().AsRaw(), dp.BucketCounts().AsRaw())
	}
}
