package clickhouse

import (
	"context"
	"regexp"

	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/storage"
)

// hostile are values that break naive SQL quoting: quotes, backslashes,
// comments, statement separators, and a LIKE wildcard.
var hostile = []string{`it's`, `say "hi"`, `back\slash`, `trail\`, `x' OR '1'='1`, `a; DROP TABLE samples; --`, `100%_`, `\'; SELECT 1; --`}

// TestInjection stores one access log, span and series per hostile value
// (the value in every searchable field) and searches each field with each
// value: exactly its own row comes back, and nothing else; values that
// were never stored find nothing. The tables are intact afterwards.
func TestInjection(t *testing.T) {
	b := openTest(t)
	defer b.Close()
	ctx := context.Background()
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	var logs []storage.AccessLog
	var spans []storage.Span
	var samples []storage.Sample
	for i, v := range hostile {
		logs = append(logs, storage.AccessLog{Start: base.Add(time.Duration(i) * time.Second), RequestID: v, Path: "/" + v,
			ResponseFlags: v, SourceService: v, DestinationService: v, DestinationNamespace: v, Reporter: storage.Reporter{Direction: "destination"}})
		spans = append(spans, storage.Span{TraceID: storage.TraceID{Low: uint64(i + 1)}, SpanID: 1, Service: v, Name: v, Kind: "server",
			Start: base.Add(time.Duration(i) * time.Second), RequestID: v, Attrs: []storage.KeyValue{{Key: v, Value: v}}})
		samples = append(samples, storage.Sample{Labels: labels.FromStrings("__name__", "inj", "v", v), T: base.UnixMilli(), V: float64(i)})
	}
	if err := b.WriteAccessLogs(ctx, logs); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := b.AppendSamples(ctx, samples); err != nil {
		t.Fatal(err)
	}
	never := []string{`' OR 1=1 --`, `'; DROP TABLE access_logs; --`, `zz\`, `%`}
	for i, v := range append(append([]string{}, hostile...), never...) {
		want := 0
		if i < len(hostile) {
			want = 1
		}
		for name, q := range map[string]storage.AccessLogQuery{
			"service": {Service: v}, "inbound service": {Service: v, Direction: "inbound"}, "flag": {ResponseFlag: v},
			"path prefix": {PathPrefix: "/" + v}, "request id": {RequestID: v},
		} {
			got, err := b.FindAccessLogs(ctx, q)
			if err != nil || len(got) != want || (want == 1 && got[0].RequestID != v) {
				t.Errorf("FindAccessLogs(%s %q) = %d rows, %v; want %d", name, v, len(got), err, want)
			}
		}
		for name, q := range map[string]storage.TraceQuery{
			"service": {Service: v}, "operation": {Service: v, Operation: v}, "tag": {Tags: map[string]string{v: v}},
			"request id tag": {Tags: map[string]string{"guid:x-request-id": v}},
		} {
			got, err := b.FindTraces(ctx, q)
			if err != nil || len(got) != want || (want == 1 && got[0].Spans[0].Service != v) {
				t.Errorf("FindTraces(%s %q) = %d traces, %v; want %d", name, v, len(got), err, want)
			}
		}
		if got, err := b.TracesByRequestID(ctx, v); err != nil || len(got) != want {
			t.Errorf("TracesByRequestID(%q) = %d, %v; want %d", v, len(got), err, want)
		}
		red, err := b.RED(ctx, storage.REDQuery{Start: base.Add(-time.Minute), End: base.Add(time.Hour), Namespace: v})
		if err != nil || len(red) != want {
			t.Errorf("RED(namespace %q) = %d rows, %v; want %d", v, len(red), err, want)
		}
		for _, m := range []*labels.Matcher{
			labels.MustNewMatcher(labels.MatchEqual, "v", v),
			labels.MustNewMatcher(labels.MatchRegexp, "v", regexp.QuoteMeta(v)),
		} {
			if got := selectCount(t, b, m); got != want {
				t.Errorf("Select(%s) = %d series, want %d", m, got, want)
			}
		}
		if got := selectCount(t, b, labels.MustNewMatcher(labels.MatchNotEqual, "v", v)); got != len(hostile)-want {
			t.Errorf("Select(v!=%q) = %d series, want %d", v, got, len(hostile)-want)
		}
	}
	// Everything is still there.
	if got, _ := b.FindAccessLogs(ctx, storage.AccessLogQuery{}); len(got) != len(hostile) {
		t.Errorf("after the probes: %d access logs, want %d", len(got), len(hostile))
	}
	if got := selectCount(t, b, labels.MustNewMatcher(labels.MatchEqual, "__name__", "inj")); got != len(hostile) {
		t.Errorf("after the probes: %d series, want %d", got, len(hostile))
	}
}

func selectCount(t *testing.T, b *Backend, ms ...*labels.Matcher) int {
	t.Helper()
	q, err := b.Querier(0, time.Now().Add(time.Hour).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	set := q.Select(context.Background(), true, nil, append(ms, labels.MustNewMatcher(labels.MatchEqual, "__name__", "inj"))...)
	n := 0
	for set.Next() {
		n++
	}
	if err := set.Err(); err != nil {
		t.Fatalf("Select(%v): %v", ms, err)
	}
	return n
}
