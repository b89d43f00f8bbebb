package b3

import (
	"net/http"
	"testing"
)

func BenchmarkExtractInject(b *testing.B) {
	in := http.Header{
		HeaderTraceID: {"463ac35c9f6413ad48485a3953bb6124"}, HeaderSpanID: {"a2fb4a1d1a96d312"},
		HeaderParentID: {"0020000000000001"}, HeaderSampled: {"1"},
	}
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := Extract(in)
		if err != nil {
			b.Fatal(err)
		}
		c.ParentID, c.SpanID = c.SpanID, c.SpanID+1
		Inject(in, c, false)
	}
}
