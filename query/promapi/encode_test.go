package promapi

import (
	"errors"
	"math"
	"testing"

	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
)

// Expected bodies are Prometheus' own where web/api/v1/json_codec_test.go
// (of the version in go.mod) has the case. The others follow from
// json_codec.go: labels are written without HTML escaping, everything else
// goes through jsoniter's standard-library mode, which escapes HTML and
// calls Scalar's and String's MarshalJSON.
func TestEncodeMatchesPrometheus(t *testing.T) {
	point := func(ts int64, f float64) *queryData {
		return &queryData{ResultType: parser.ValueTypeMatrix, Result: promql.Matrix{{Floats: []promql.FPoint{{T: ts, F: f}}}}}
	}
	tests := []struct {
		name     string
		data     any
		warnings []string
		infos    []string
		want     string
	}{
		{
			name: "vector",
			data: &queryData{ResultType: parser.ValueTypeVector, Result: promql.Vector{
				{Metric: labels.FromStrings("__name__", "foo"), T: 1000, F: 1},
				{Metric: labels.FromStrings("__name__", "bar"), T: 2000, F: 2},
			}},
			want: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"foo"},"value":[1,"1"]},{"metric":{"__name__":"bar"},"value":[2,"2"]}]}}`,
		},
		{
			name: "empty vector",
			data: &queryData{ResultType: parser.ValueTypeVector, Result: promql.Vector(nil)},
			want: `{"status":"success","data":{"resultType":"vector","result":[]}}`,
		},
		{
			name: "matrix",
			data: &queryData{ResultType: parser.ValueTypeMatrix, Result: promql.Matrix{
				{Metric: labels.FromStrings("__name__", "foo"), Floats: []promql.FPoint{{F: 1, T: 1000}}},
				{Metric: labels.FromStrings("__name__", "bar"), Floats: []promql.FPoint{{F: 2, T: 2000}}},
			}},
			want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"foo"},"values":[[1,"1"]]},{"metric":{"__name__":"bar"},"values":[[2,"2"]]}]}}`,
		},
		{
			name: "native histogram",
			data: &queryData{ResultType: parser.ValueTypeMatrix, Result: promql.Matrix{{
				Metric: labels.FromStrings("__name__", "foo"),
				Histograms: []promql.HPoint{{T: 1000, H: &histogram.FloatHistogram{
					Schema: 2, ZeroThreshold: 0.001, ZeroCount: 12, Count: 10, Sum: 20,
					PositiveSpans:   []histogram.Span{{Offset: 3, Length: 2}, {Offset: 1, Length: 3}},
					NegativeSpans:   []histogram.Span{{Offset: 2, Length: 2}},
					PositiveBuckets: []float64{1, 2, 2, 1, 1},
					NegativeBuckets: []float64{2, 1},
				}}},
			}}},
			want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"foo"},"histograms":[[1,{"count":"10","sum":"20","buckets":[[1,"-1.6817928305074288","-1.414213562373095","1"],[1,"-1.414213562373095","-1.189207115002721","2"],[3,"-0.001","0.001","12"],[0,"1.414213562373095","1.6817928305074288","1"],[0,"1.6817928305074288","2","2"],[0,"2.378414230005442","2.82842712474619","2"],[0,"2.82842712474619","3.3635856610148576","1"],[0,"3.3635856610148576","4","1"]]}]]}]}}`,
		},
		{name: "timestamp 0.001", data: point(1, 20), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0.001,"20"]]}]}}`},
		{name: "timestamp 0.010", data: point(10, 20), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0.010,"20"]]}]}}`},
		{name: "timestamp 1.100", data: point(1100, 20), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.100,"20"]]}]}}`},
		{name: "large timestamp", data: point(12345678123456555, 20), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[12345678123456.555,"20"]]}]}}`},
		{name: "negative timestamp", data: point(-1, 20), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[-0.001,"20"]]}]}}`},
		{name: "NaN", data: point(0, math.NaN()), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"NaN"]]}]}}`},
		{name: "+Inf", data: point(0, math.Inf(1)), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"+Inf"]]}]}}`},
		{name: "-Inf", data: point(0, math.Inf(-1)), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"-Inf"]]}]}}`},
		{name: "large float", data: point(0, 1.2345678e6), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"1234567.8"]]}]}}`},
		{name: "small float", data: point(0, 1.2345678e-6), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"0.0000012345678"]]}]}}`},
		{name: "tiny float", data: point(0, 1.2345678e-67), want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"1.2345678e-67"]]}]}}`},
		{
			name: "scalar",
			data: &queryData{ResultType: parser.ValueTypeScalar, Result: promql.Scalar{T: 1500, V: 2}},
			want: `{"status":"success","data":{"resultType":"scalar","result":[1.5,"2"]}}`,
		},
		{
			name: "string, HTML-escaped",
			data: &queryData{ResultType: parser.ValueTypeString, Result: promql.String{T: 1000, V: "a<b"}},
			want: `{"status":"success","data":{"resultType":"string","result":[1,"a\u003cb"]}}`,
		},
		{
			name: "series: label values are not HTML-escaped",
			data: []labels.Labels{labels.FromStrings("__name__", "up", "path", `/a?b=1&c="<d>"`)},
			want: `{"status":"success","data":[{"__name__":"up","path":"/a?b=1&c=\"<d>\""}]}`,
		},
		{
			name: "label values: strings are HTML-escaped",
			data: []string{"<&>"},
			want: `{"status":"success","data":["\u003c\u0026\u003e"]}`,
		},
		{
			name: "exemplars",
			data: []exemplar.QueryResult{{
				SeriesLabels: labels.FromStrings("foo", "bar"),
				Exemplars:    []exemplar.Exemplar{{Labels: labels.FromStrings("trace_id", "abc"), Value: 100.123, Ts: 1234}},
			}},
			want: `{"status":"success","data":[{"seriesLabels":{"foo":"bar"},"exemplars":[{"labels":{"trace_id":"abc"},"value":"100.123","timestamp":1.234}]}]}`,
		},
		{
			name: "exemplars +Inf",
			data: []exemplar.QueryResult{{
				SeriesLabels: labels.FromStrings("foo", "bar"),
				Exemplars:    []exemplar.Exemplar{{Labels: labels.FromStrings("trace_id", "abc"), Value: math.Inf(1), Ts: 1234}},
			}},
			want: `{"status":"success","data":[{"seriesLabels":{"foo":"bar"},"exemplars":[{"labels":{"trace_id":"abc"},"value":"+Inf","timestamp":1.234}]}]}`,
		},
		{
			name:     "warnings and infos",
			data:     []string{},
			warnings: []string{"PromQL warning: x"},
			infos:    []string{"PromQL info: y"},
			want:     `{"status":"success","data":[],"warnings":["PromQL warning: x"],"infos":["PromQL info: y"]}`,
		},
		{
			name: "map keys sorted",
			data: map[string]string{"b": "2", "a": "1"},
			want: `{"status":"success","data":{"a":"1","b":"2"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := encodeSuccess(tt.data, tt.warnings, tt.infos)
			defer jsonAPI.ReturnStream(s)
			if s.Error != nil {
				t.Fatal(s.Error)
			}
			if got := string(s.Buffer()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEncodeError(t *testing.T) {
	s := encodeError(badData(errors.New(`1:3: parse error: unexpected "<"`)))
	defer jsonAPI.ReturnStream(s)
	want := `{"status":"error","errorType":"bad_data","error":"1:3: parse error: unexpected \"\u003c\""}`
	if got := string(s.Buffer()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		err    error
		typ    errorType
		status int
	}{
		{promql.ErrQueryCanceled("x"), errorCanceled, 499},
		{promql.ErrQueryTimeout("x"), errorTimeout, 503},
		{promql.ErrStorage{Err: errors.New("disk")}, errorInternal, 500},
		{promql.ErrTooManySamples("x"), errorExec, 422},
		{errors.New("anything"), errorExec, 422},
	}
	for _, tt := range tests {
		e := classify(tt.err)
		if e.typ != tt.typ || e.typ.httpStatus() != tt.status {
			t.Errorf("%v: got %s/%d, want %s/%d", tt.err, e.typ, e.typ.httpStatus(), tt.typ, tt.status)
		}
	}
	if badData(errors.New("x")).typ.httpStatus() != 400 {
		t.Error("bad_data is not 400")
	}
}
