package rowconv

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/meshlens/meshlens/storage"
)

// BenchmarkAccessLogsRoundTrip is the pdata leg of access-log ingest:
// rows → plog (receiver) and plog → rows (exporter), for 1,000 records.
// BenchmarkAccessLogsCopy, the baseline, only copies the same rows.
func BenchmarkAccessLogsRoundTrip(b *testing.B) {
	recs := benchAccessLogs(1000)
	b.ReportAllocs()
	var out []storage.AccessLog
	for b.Loop() {
		ld := plog.NewLogs()
		AppendAccessLogs(ld, recs)
		out, _ = AccessLogsFromLogs(ld, out[:0], nil, nil)
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkAccessLogsCopy(b *testing.B) {
	recs := benchAccessLogs(1000)
	b.ReportAllocs()
	out := make([]storage.AccessLog, len(recs))
	for b.Loop() {
		copy(out, recs)
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}

func benchAccessLogs(n int) []storage.AccessLog {
	s := sampleAccessLogs()
	out := make([]storage.AccessLog, n)
	for i := range out {
		out[i] = s[i%len(s)]
	}
	return out
}
