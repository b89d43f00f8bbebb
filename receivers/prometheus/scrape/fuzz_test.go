package scrape

import (
	"bytes"
	"testing"
	"time"
)

// FuzzParseConvert feeds two successive scrape bodies of one target through
// parsing and conversion. Nothing may panic, and the pdata must expand, per
// the rowconv contract, to exactly the samples Prometheus would store plus
// the report series and the staleness markers it would write.
func FuzzParseConvert(f *testing.F) {
	// Small seeds keep the fuzzer's minimisation quick: the head of each
	// Istio page (a counter family, the start of a histogram).
	head := func(b []byte, lines int) []byte {
		end := 0
		for range lines {
			i := bytes.IndexByte(b[end:], '\n')
			if i < 0 {
				return b
			}
			end += i + 1
		}
		return b[:end]
	}
	small := head(readTestdata(f, "istio_small.prom"), 8)
	smallOM := head(readTestdata(f, "istio_small.om"), 9)
	f.Add(small, []byte("envoy_server_live 1\n"), uint8(0))
	f.Add(append(smallOM, "# EOF\n"...), smallOM, uint8(1))
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"),
		[]byte("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"), uint8(0))
	f.Add([]byte("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 2\n"), []byte("s 1\n"), uint8(0))
	f.Add([]byte("# TYPE c counter\nc_total{a=\"b\"} 1 1000\nc_created{a=\"b\"} 1\n# EOF\n"), []byte("# EOF\n"), uint8(1))
	f.Add([]byte("m{job=\"x\",instance=\"\"} 1\nm{job=\"x\"} 2\n"), []byte(""), uint8(2))
	f.Add([]byte("\x00garbage"), []byte("{\"utf8.name\"} 1\n"), uint8(0))

	contentTypes := []string{textType, omType, "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"}
	f.Fuzz(func(t *testing.T, first, second []byte, mode uint8) {
		ct := contentTypes[int(mode%3)]
		c := newTestConverter(t, JobConfig{HonorLabels: mode&4 != 0, SampleLimit: int(mode >> 4)})
		convertChecked(t, c, first, ct, nil, t0)
		convertChecked(t, c, second, ct, nil, t0.Add(15*time.Second))
		convertChecked(t, c, first, ct, nil, t0.Add(30*time.Second))
	})
}
