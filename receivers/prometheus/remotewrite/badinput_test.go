package remotewrite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
)

func goodSeries() promSeries {
	return promSeries{labels: labels.FromStrings(labels.MetricName, "up", "job", "mesh"), samples: []prompb.Sample{{Value: 1, Timestamp: 1000}}}
}

// v1Raw builds a 1.0 request from raw label pairs, which may be invalid.
func v1Raw(pairs ...string) *prompb.WriteRequest {
	var ls []prompb.Label
	for i := 0; i < len(pairs); i += 2 {
		ls = append(ls, prompb.Label{Name: pairs[i], Value: pairs[i+1]})
	}
	return &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: ls, Samples: []prompb.Sample{{Value: 1, Timestamp: 1000}}}}}
}

// withGood appends a valid series, to show partial writes keep it.
func withGood(req *prompb.WriteRequest) *prompb.WriteRequest {
	req.Timeseries = append(req.Timeseries, v1Request([]promSeries{goodSeries()}).Timeseries...)
	return req
}

// snappyHeaderOnly is a snappy block that declares n decoded bytes and
// holds none of them.
func snappyHeaderOnly(n uint64) []byte {
	return binary.AppendUvarint(nil, n)
}

func TestBadInput(t *testing.T) {
	sym := writev2.NewSymbolTable()
	upRefs := sym.SymbolizeLabels(labels.FromStrings(labels.MetricName, "up"), nil)
	syms := sym.Symbols()
	v2 := func(ts ...writev2.TimeSeries) *writev2.Request {
		return &writev2.Request{Symbols: syms, Timeseries: ts}
	}
	sample := []writev2.Sample{{Value: 1, Timestamp: 1}}
	v2AsV1, _ := v2(writev2.TimeSeries{LabelsRefs: upRefs, Samples: sample}).Marshal()

	tests := []struct {
		name        string
		method      string
		contentType string
		encoding    string
		body        []byte
		cfg         Config
		status      int
		reason      Reason
		msg         string
		written     string // 2.0 Samples-Written header; "" for 1.0
		consumed    int    // samples that still reached consume
	}{
		{name: "GET", method: http.MethodGet, status: 405, reason: ReasonMethod, msg: "method GET not allowed"},
		{name: "text content type", contentType: "text/plain", body: encode(t, v1Request([]promSeries{goodSeries()})), status: 415, reason: ReasonContentType, msg: `Content-Type "text/plain": want application/x-protobuf`},
		{name: "unknown proto message", contentType: "application/x-protobuf;proto=foo.Bar", status: 415, reason: ReasonContentType, msg: `proto message "foo.Bar" not accepted`},
		{name: "malformed content type", contentType: "application/x-protobuf;proto", status: 415, reason: ReasonContentType, msg: `Content-Type "application/x-protobuf;proto"`},
		{name: "gzip", encoding: "gzip", status: 415, reason: ReasonEncoding, msg: `Content-Encoding "gzip": only snappy`},
		{name: "not snappy", body: []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), status: 400, reason: ReasonSnappy, msg: "not snappy block format"},
		{name: "empty body", body: []byte{}, status: 400, reason: ReasonSnappy, msg: "not snappy block format"},
		{name: "truncated snappy", body: encode(t, v1Request([]promSeries{goodSeries()}))[:10], status: 400, reason: ReasonSnappy, msg: "not snappy block format"},
		// 4 GiB declared, a handful of bytes sent: refused from the header
		// alone (allocating first would make this test take gigabytes).
		{name: "declared size over limit", body: snappyHeaderOnly(1<<32 - 1), status: 413, reason: ReasonTooLarge, msg: "decoded body of 4294967295 bytes is over max_body_bytes (33554432)"},
		{name: "compressed size over limit", cfg: Config{MaxBodyBytes: 1000}, body: bytes.Repeat([]byte{0}, 5000), status: 413, reason: ReasonTooLarge, msg: "compressed body of 5000 bytes is over"},
		{name: "not protobuf", body: snappy.Encode(nil, []byte{0xff, 0xff, 0xff}), status: 400, reason: ReasonProtobuf, msg: "decoding prometheus.WriteRequest protobuf"},
		{name: "2.0 message labelled 1.0", body: snappy.Encode(nil, v2AsV1), status: 400, reason: ReasonProtobuf, msg: "is this a io.prometheus.write.v2.Request"},
		{name: "missing __name__", body: encode(t, withGood(v1Raw("job", "mesh"))), status: 400, reason: ReasonInvalidSeries, msg: `1 series not written (1 samples); the rest was: series {job="mesh"}: no __name__ label`, consumed: 1},
		{name: "unsorted labels", body: encode(t, v1Raw("job", "x", labels.MetricName, "up")), status: 400, reason: ReasonInvalidSeries, msg: `labels not sorted by name: "__name__" after "job"`},
		{name: "duplicate labels", body: encode(t, v1Raw(labels.MetricName, "up", "a", "1", "a", "2")), status: 400, reason: ReasonInvalidSeries, msg: `duplicate label name "a"`},
		{name: "empty label name", body: encode(t, v1Raw("", "x", labels.MetricName, "up")), status: 400, reason: ReasonInvalidSeries, msg: "empty label name"},
		{name: "invalid UTF-8", body: encode(t, v1Raw(labels.MetricName, "up", "a", "\xff")), status: 400, reason: ReasonInvalidSeries, msg: `value of label "a" is not valid UTF-8`},
		{name: "timestamp out of range", body: encode(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
			Labels: []prompb.Label{{Name: labels.MetricName, Value: "up"}}, Samples: []prompb.Sample{{Timestamp: 1 << 62}}}}}),
			status: 400, reason: ReasonInvalidSeries, msg: "sample timestamp 4611686018427387904 ms is out of range"},
		{name: "native histogram", body: encode(t, v1Request([]promSeries{{labels: labels.FromStrings(labels.MetricName, "nh"), histograms: 2}, goodSeries()})),
			status: 400, reason: ReasonNativeHistogram, msg: `series {__name__="nh"}: 2 native histogram samples refused`, consumed: 1},
		{name: "metadata without family", body: encode(t, &prompb.WriteRequest{Metadata: []prompb.MetricMetadata{{Help: "x"}}}), status: 400, reason: ReasonInvalidSeries, msg: "metadata entry 0: empty metric_family_name"},
		{name: "2.0 not protobuf", contentType: ContentTypeV2, body: snappy.Encode(nil, []byte{0x22, 0x05}), status: 400, reason: ReasonProtobuf, msg: "decoding io.prometheus.write.v2.Request protobuf", written: "0"},
		{name: "2.0 ref outside symbols", contentType: ContentTypeV2, body: encode(t, v2(writev2.TimeSeries{LabelsRefs: []uint32{1, 99}, Samples: sample})), status: 400, reason: ReasonInvalidSeries, msg: "label ref pair (1, 99) outside the symbols table", written: "0"},
		{name: "2.0 odd refs", contentType: ContentTypeV2, body: encode(t, v2(writev2.TimeSeries{LabelsRefs: []uint32{1}, Samples: sample})), status: 400, reason: ReasonInvalidSeries, msg: "odd number of label refs", written: "0"},
		{name: "2.0 no samples", contentType: ContentTypeV2, body: encode(t, v2(writev2.TimeSeries{LabelsRefs: upRefs})), status: 400, reason: ReasonInvalidSeries, msg: "no samples and no histograms", written: "0"},
		{name: "2.0 help ref outside symbols", contentType: ContentTypeV2, body: encode(t, v2(writev2.TimeSeries{LabelsRefs: upRefs, Samples: sample, Metadata: writev2.Metadata{HelpRef: 50}})), status: 400, reason: ReasonInvalidSeries, msg: "help_ref 50", written: "0"},
		{name: "2.0 symbols[0] not empty", contentType: ContentTypeV2, body: encode(t, &writev2.Request{Symbols: []string{"x"}}), status: 400, reason: ReasonProtobuf, msg: `symbols[0] must be the empty string, got "x"`, written: "0"},
		{name: "2.0 native histogram, partial write", contentType: ContentTypeV2, body: encode(t, v2Request([]promSeries{{labels: labels.FromStrings(labels.MetricName, "nh"), histograms: 1}, goodSeries()})),
			status: 400, reason: ReasonNativeHistogram, msg: `series {__name__="nh"}: 1 native histogram samples refused`, written: "1", consumed: 1},
	}
	h, s := newTestHandler(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hh, s := h, s
			if tt.cfg != (Config{}) {
				hh, s = newTestHandler(t, tt.cfg)
			}
			before := hh.Stats().Rejected[tt.reason]
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			ct := tt.contentType
			if ct == "" {
				ct = ContentTypeV1
			}
			enc := tt.encoding
			if enc == "" {
				enc = "snappy"
			}
			r := httptest.NewRequest(method, Path, bytes.NewReader(tt.body))
			r.Header.Set("Content-Type", ct)
			r.Header.Set("Content-Encoding", enc)
			w := httptest.NewRecorder()
			hh.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.msg) {
				t.Errorf("got %d %q, want %d containing %q", w.Code, w.Body, tt.status, tt.msg)
			}
			if got := w.Header().Get(headerSamplesWritten); got != tt.written {
				t.Errorf("%s = %q, want %q", headerSamplesWritten, got, tt.written)
			}
			if tt.status == 405 && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("405 without Allow: POST")
			}
			if got := hh.Stats().Rejected[tt.reason] - before; got != 1 {
				t.Errorf("Stats().Rejected[%s] grew by %d, want 1", tt.reason, got)
			}
			got, _ := rows(t, s.take())
			if len(got) != tt.consumed {
				t.Errorf("%d samples consumed, want %d", len(got), tt.consumed)
			}
			// The handler keeps serving.
			if w := post(hh, ContentTypeV1, "snappy", encode(t, v1Request([]promSeries{goodSeries()}))); w.Code != http.StatusNoContent {
				t.Fatalf("good request after %q: %d %s", tt.name, w.Code, w.Body)
			}
			s.take()
		})
	}
}

func TestConsumeErrors(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		reason Reason
	}{
		{errors.New("disk full"), 500, ReasonConsumeFailed},
		{Retryable(errors.New("queue full")), 503, ReasonConsumeRetryable},
		{Permanent(errors.New("out of order sample")), 400, ReasonConsumePermanent},
	} {
		h, s := newTestHandler(t, Config{})
		s.err = tt.err
		w := post(h, ContentTypeV2, "snappy", encode(t, v2Request([]promSeries{goodSeries()})))
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.err.Error()) {
			t.Errorf("%v: got %d %q, want %d with the error", tt.err, w.Code, w.Body, tt.status)
		}
		if got := w.Header().Get(headerSamplesWritten); got != "0" {
			t.Errorf("%v: samples written %q, want 0", tt.err, got)
		}
		st := h.Stats()
		if st.Rejected[tt.reason] != 1 || st.SamplesRejected != 1 || st.SamplesAccepted != 0 {
			t.Errorf("%v: stats %+v", tt.err, st)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg Config
		err string
	}{
		{DefaultConfig(), ""},
		{Config{}, ""},
		{Config{MaxBodyBytes: -1}, "max_body_bytes: must not be negative"},
		{Config{MaxBodyBytes: 1 << 33}, "max_body_bytes: 8589934592 is more than a snappy block can hold"},
		{Config{MaxBodyBytes: 4_000_000_000}, "max_body_bytes: 4000000000 is more than"},
		{Config{MaxBodyBytes: 1 << 30}, ""},
	} {
		err := tt.cfg.Validate()
		if (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%+v: err %v, want %q", tt.cfg, err, tt.err)
		}
		if _, herr := NewHandler(tt.cfg, (&sink{}).consume, nil); (herr == nil) != (tt.err == "") {
			t.Errorf("NewHandler(%+v): err %v", tt.cfg, herr)
		}
	}
	if _, err := NewHandler(Config{}, nil, nil); err == nil {
		t.Error("NewHandler with nil consume: no error")
	}
}

// TestMissingHeadersMeanV1Snappy: early 1.0 senders omit both headers.
func TestMissingHeadersMeanV1Snappy(t *testing.T) {
	h, s := newTestHandler(t, Config{})
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(encode(t, v1Request([]promSeries{goodSeries()}))))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got, _ := rows(t, s.take()); w.Code != http.StatusNoContent || len(got) != 1 {
		t.Fatalf("got %d %q and %d samples", w.Code, w.Body, len(got))
	}
}

// TestUnannouncedLength: without Content-Length the compressed-size limit
// is enforced while reading.
func TestUnannouncedLength(t *testing.T) {
	h, s := newTestHandler(t, Config{MaxBodyBytes: 1000})
	for _, tt := range []struct {
		body   []byte
		status int
	}{
		{encode(t, v1Request([]promSeries{goodSeries()})), http.StatusNoContent},
		{bytes.Repeat([]byte{1}, 5000), http.StatusRequestEntityTooLarge},
	} {
		r := httptest.NewRequest(http.MethodPost, Path, io.MultiReader(bytes.NewReader(tt.body)))
		r.ContentLength = -1
		r.Header.Set("Content-Type", ContentTypeV1)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("%d-byte body: status %d %q, want %d", len(tt.body), w.Code, w.Body, tt.status)
		}
	}
	if got, _ := rows(t, s.take()); len(got) != 1 {
		t.Errorf("%d rows, want 1", len(got))
	}
}
