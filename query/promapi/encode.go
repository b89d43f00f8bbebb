package promapi

import (
	jsoniter "github.com/json-iterator/go"
	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/util/jsonutil"
	"github.com/prometheus/prometheus/util/stats"
)

// Prometheus encodes responses with jsoniter in its standard-library
// compatible mode, plus hand-written encoders for labels, samples, points
// and exemplars (web/api/v1/json_codec.go). The promql values' own
// MarshalJSON methods are documented as unused by Prometheus and differ
// from it: timestamps print as 0.01 instead of 0.010, small floats as
// 0.0000001 instead of 1e-07, and each point costs several allocations.
// So this file walks results itself with the same jsonutil helpers
// Prometheus uses, and leaves everything else (strings, maps, structs,
// Scalar and String via their MarshalJSON) to the same jsoniter config,
// which makes bodies byte-identical to Prometheus'.
var jsonAPI = jsoniter.ConfigCompatibleWithStandardLibrary

// queryData is the `data` of query and query_range answers.
type queryData struct {
	ResultType parser.ValueType
	Result     parser.Value
	Stats      stats.QueryStats // omitted when nil
}

// encodeSuccess returns the body of a success answer. The caller must
// return the stream to jsonAPI once it has written the buffer.
func encodeSuccess(data any, warnings, infos []string) *jsoniter.Stream {
	s := jsonAPI.BorrowStream(nil)
	s.WriteObjectStart()
	s.WriteObjectField("status")
	s.WriteString("success")
	if data != nil {
		s.WriteMore()
		s.WriteObjectField("data")
		writeData(s, data)
	}
	writeStrings(s, "warnings", warnings)
	writeStrings(s, "infos", infos)
	s.WriteObjectEnd()
	return s
}

// encodeError returns the body of an error answer. The caller must return
// the stream to jsonAPI once it has written the buffer.
func encodeError(e *apiError) *jsoniter.Stream {
	s := jsonAPI.BorrowStream(nil)
	s.WriteObjectStart()
	s.WriteObjectField("status")
	s.WriteString("error")
	s.WriteMore()
	s.WriteObjectField("errorType")
	s.WriteVal(string(e.typ))
	s.WriteMore()
	s.WriteObjectField("error")
	s.WriteVal(e.err.Error())
	s.WriteObjectEnd()
	return s
}

// writeStrings writes `,"name":[...]` unless values is empty (omitempty).
func writeStrings(s *jsoniter.Stream, name string, values []string) {
	if len(values) == 0 {
		return
	}
	s.WriteMore()
	s.WriteObjectField(name)
	s.WriteVal(values)
}

func writeData(s *jsoniter.Stream, data any) {
	switch d := data.(type) {
	case *queryData:
		s.WriteObjectStart()
		s.WriteObjectField("resultType")
		s.WriteVal(string(d.ResultType))
		s.WriteMore()
		s.WriteObjectField("result")
		writeValue(s, d.Result)
		if d.Stats != nil {
			s.WriteMore()
			s.WriteObjectField("stats")
			s.WriteVal(d.Stats)
		}
		s.WriteObjectEnd()
	case []labels.Labels:
		writeArray(s, d, writeLabels)
	case []exemplar.QueryResult:
		writeArray(s, d, writeExemplarResult)
	default:
		s.WriteVal(d)
	}
}

func writeValue(s *jsoniter.Stream, v parser.Value) {
	switch v := v.(type) {
	case promql.Matrix:
		writeArray(s, v, writeSeries)
	case promql.Vector:
		writeArray(s, v, writeSample)
	default: // Scalar and String: their MarshalJSON, as in Prometheus.
		s.WriteVal(v)
	}
}

// writeArray writes items as a JSON array; nil and empty both give [].
func writeArray[T any](s *jsoniter.Stream, items []T, write func(*jsoniter.Stream, T)) {
	s.WriteArrayStart()
	for i, it := range items {
		if i > 0 {
			s.WriteMore()
		}
		write(s, it)
	}
	s.WriteArrayEnd()
}

// writeLabels writes {"name":"value",...}. Like Prometheus it does not
// HTML-escape label values, although jsoniter escapes other strings.
func writeLabels(s *jsoniter.Stream, ls labels.Labels) {
	s.WriteObjectStart()
	first := true
	ls.Range(func(l labels.Label) {
		if !first {
			s.WriteMore()
		}
		first = false
		s.WriteString(l.Name)
		s.WriteRaw(":")
		s.WriteString(l.Value)
	})
	s.WriteObjectEnd()
}

func writeSeries(s *jsoniter.Stream, series promql.Series) {
	s.WriteObjectStart()
	s.WriteObjectField("metric")
	writeLabels(s, series.Metric)
	if len(series.Floats) > 0 {
		s.WriteMore()
		s.WriteObjectField("values")
		writeArray(s, series.Floats, writeFPoint)
	}
	if len(series.Histograms) > 0 {
		s.WriteMore()
		s.WriteObjectField("histograms")
		writeArray(s, series.Histograms, writeHPoint)
	}
	s.WriteObjectEnd()
}

func writeSample(s *jsoniter.Stream, sample promql.Sample) {
	s.WriteObjectStart()
	s.WriteObjectField("metric")
	writeLabels(s, sample.Metric)
	s.WriteMore()
	if sample.H == nil {
		s.WriteObjectField("value")
		writeFPoint(s, promql.FPoint{T: sample.T, F: sample.F})
	} else {
		s.WriteObjectField("histogram")
		writeHPoint(s, promql.HPoint{T: sample.T, H: sample.H})
	}
	s.WriteObjectEnd()
}

// writeFPoint writes [1435781451.781,"1.5"].
func writeFPoint(s *jsoniter.Stream, p promql.FPoint) {
	s.WriteArrayStart()
	jsonutil.MarshalTimestamp(p.T, s)
	s.WriteMore()
	jsonutil.MarshalFloat(p.F, s)
	s.WriteArrayEnd()
}

// writeHPoint writes [1435781451.781,{"count":...,"sum":...,"buckets":...}].
func writeHPoint(s *jsoniter.Stream, p promql.HPoint) {
	s.WriteArrayStart()
	jsonutil.MarshalTimestamp(p.T, s)
	s.WriteMore()
	jsonutil.MarshalHistogram(p.H, s)
	s.WriteArrayEnd()
}

// writeExemplarResult writes {"seriesLabels":{...},"exemplars":[...]}; a
// nil exemplar list is null, as jsoniter writes it in Prometheus.
func writeExemplarResult(s *jsoniter.Stream, r exemplar.QueryResult) {
	s.WriteObjectStart()
	s.WriteObjectField("seriesLabels")
	writeLabels(s, r.SeriesLabels)
	s.WriteMore()
	s.WriteObjectField("exemplars")
	if r.Exemplars == nil {
		s.WriteNil()
	} else {
		writeArray(s, r.Exemplars, writeExemplar)
	}
	s.WriteObjectEnd()
}

// writeExemplar writes {"labels":{...},"value":"1.5","timestamp":1.234}.
func writeExemplar(s *jsoniter.Stream, e exemplar.Exemplar) {
	s.WriteObjectStart()
	s.WriteObjectField("labels")
	writeLabels(s, e.Labels)
	s.WriteMore()
	s.WriteObjectField("value")
	jsonutil.MarshalFloat(e.Value, s)
	s.WriteMore()
	s.WriteObjectField("timestamp")
	jsonutil.MarshalTimestamp(e.Ts, s)
	s.WriteObjectEnd()
}
