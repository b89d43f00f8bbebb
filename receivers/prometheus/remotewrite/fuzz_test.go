package remotewrite

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/storage/rowconv"
)

// checkDecoded asserts what decode promises for any input: no panic, and
// whatever it accepts converts by rowconv without error into as many rows
// as it counted, each with __name__.
func checkDecoded(t *testing.T, proto protocol, body []byte) {
	st := new(requestState)
	b, rerr := st.decode(proto, body)
	if rerr != nil {
		if rerr.status != http.StatusBadRequest {
			t.Fatalf("decode error with status %d: %v", rerr.status, rerr)
		}
		return
	}
	var c rowconv.Converter
	got, _, err := c.AppendMetrics(nil, b.md)
	if err != nil {
		t.Fatalf("rowconv refused what decode accepted: %v", err)
	}
	if len(got) != b.samples {
		t.Fatalf("rowconv made %d rows of %d samples", len(got), b.samples)
	}
	for _, r := range got {
		if r.Labels.Get(labels.MetricName) == "" {
			t.Fatalf("row without __name__: %s", r.Labels)
		}
	}
	if rerr := st.rejected.err(); rerr != nil && rerr.status != http.StatusBadRequest {
		t.Fatalf("series rejection with status %d", rerr.status)
	}
}

func fuzzSeedsV1(f *testing.F) {
	for _, series := range [][]promSeries{fixedSeries(), {goodSeries()}, {{labels: labels.FromStrings(labels.MetricName, "nh"), histograms: 1}}} {
		raw, err := v1Request(series).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{})
}

func fuzzSeedsV2(f *testing.F) {
	for _, series := range [][]promSeries{fixedSeries(), {goodSeries()}, {{labels: labels.FromStrings(labels.MetricName, "nh"), histograms: 1}}} {
		raw, err := v2Request(series).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{})
}

// FuzzDecodeV1 feeds arbitrary bytes as a decoded remote write 1.0 body.
func FuzzDecodeV1(f *testing.F) {
	fuzzSeedsV1(f)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecoded(t, protoV1, body) })
}

// FuzzDecodeV2 feeds arbitrary bytes as a decoded remote write 2.0 body.
func FuzzDecodeV2(f *testing.F) {
	fuzzSeedsV2(f)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecoded(t, protoV2, body) })
}

// FuzzDecodeRequest feeds arbitrary compressed bodies and headers to the
// whole handler: it must answer a 2xx or 4xx, never panic or 5xx.
func FuzzDecodeRequest(f *testing.F) {
	for _, series := range [][]promSeries{fixedSeries(), {goodSeries()}} {
		f.Add(ContentTypeV1, "snappy", encode(f, v1Request(series)))
		f.Add(ContentTypeV2, "snappy", encode(f, v2Request(series)))
	}
	f.Add("", "", snappyHeaderOnly(1<<32-1))
	h, _ := newTestHandler(f, Config{MaxBodyBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, contentType, encoding string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Content-Encoding", encoding)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 || w.Code < 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}
