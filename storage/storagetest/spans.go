package storagetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// RunSpans checks the span seams: SpanWriter, TraceReader and
// DependencyReader. A backend lacking one of them fails the subtests that
// need it.
func RunSpans(t *testing.T, h Harness) {
	t.Run("RoundTripEveryField", func(t *testing.T) { testSpanRoundTrip(t, h) })
	t.Run("DuplicatesStoredOnce", func(t *testing.T) { testSpanDuplicates(t, h) })
	t.Run("ServicesAndOperations", func(t *testing.T) { testSpanServices(t, h) })
	t.Run("FindTracesFilters", func(t *testing.T) { testFindTraces(t, h) })
	t.Run("GetTraceNotFound", func(t *testing.T) { testGetTraceNotFound(t, h) })
	t.Run("TracesByRequestID", func(t *testing.T) { testTracesByRequestID(t, h) })
	t.Run("Dependencies", func(t *testing.T) { testDependencies(t, h) })
	t.Run("DependenciesAcrossBatches", func(t *testing.T) { testDependenciesAcrossBatches(t, h) })
	t.Run("RemoteServicesAndAutocomplete", func(t *testing.T) { testRemoteServicesAndAutocomplete(t, h) })
	t.Run("DurableAcrossReopen", func(t *testing.T) { testSpanDurable(t, h) })
}

// spanStore is what the span subtests need from a backend.
type spanStore interface {
	storage.SpanWriter
	storage.TraceReader
}

func asSpans(t *testing.T, b storage.Backend) spanStore {
	t.Helper()
	return as[spanStore](t, b, "a SpanWriter and TraceReader")
}

func openSpans(t *testing.T, h Harness) (storage.Backend, spanStore) {
	t.Helper()
	b := open(t, h)
	return b, asSpans(t, b)
}

func mustWriteSpans(t *testing.T, w storage.SpanWriter, spans []storage.Span) {
	t.Helper()
	if err := w.WriteSpans(context.Background(), spans); err != nil {
		t.Fatalf("WriteSpans(%d spans): %v", len(spans), err)
	}
}

// fullSpan sets every field, with ids that use all 64 bits.
func fullSpan(base time.Time) storage.Span {
	return storage.Span{
		TraceID:         storage.TraceID{High: 0xfedcba9876543210, Low: 0x8000000000000001},
		SpanID:          0xffffffffffffff01,
		ParentID:        0x8000000000000abc,
		Service:         "checkout",
		Name:            "POST /cart",
		Kind:            "server",
		Shared:          true,
		Debug:           true,
		Start:           base.Add(-1500 * time.Microsecond), // the day before base
		DurationMicros:  12345,
		StatusCode:      2,
		HTTPMethod:      "POST",
		HTTPRoute:       "/cart",
		HTTPStatus:      503,
		PeerService:     "payments",
		RequestID:       "req-7f3a",
		ResponseFlags:   "UF,URX",
		UpstreamCluster: "outbound|80||payments.default.svc.cluster.local",
		Attrs:           []storage.KeyValue{{Key: "b", Value: "2"}, {Key: "a", Value: ""}, {Key: "b", Value: "dup key"}},
		Events: []storage.SpanEvent{
			{Time: base.Add(-time.Millisecond), Name: "retry", Attrs: []storage.KeyValue{{Key: "attempt", Value: "2"}}},
			{Time: base.Add(-500 * time.Microsecond), Name: "done"},
		},
	}
}

// normSpan is s as a backend returns it: times in UTC, truncated to µs;
// empty slices nil.
func normSpan(s storage.Span) storage.Span {
	s.Start = s.Start.UTC().Truncate(time.Microsecond)
	if len(s.Attrs) == 0 {
		s.Attrs = nil
	}
	evs := s.Events
	s.Events = nil
	for _, e := range evs {
		e.Time = e.Time.UTC().Truncate(time.Microsecond)
		if len(e.Attrs) == 0 {
			e.Attrs = nil
		}
		s.Events = append(s.Events, e)
	}
	return s
}

func testSpanRoundTrip(t *testing.T, h Harness) {
	_, ss := openSpans(t, h)
	base := dayBase()
	want := fullSpan(base)
	child := storage.Span{TraceID: want.TraceID, SpanID: 7, ParentID: want.SpanID, Service: "payments", Name: "charge",
		Start: base.Add(time.Millisecond), DurationMicros: 10} // the day of base: the trace spans two partitions
	mustWriteSpans(t, ss, []storage.Span{child, want})
	got, err := ss.GetTrace(context.Background(), want.TraceID)
	if err != nil {
		t.Fatalf("GetTrace: %v", err)
	}
	if got.ID != want.TraceID || len(got.Spans) != 2 {
		t.Fatalf("GetTrace = id %v, %d spans; want id %v, 2 spans", got.ID, len(got.Spans), want.TraceID)
	}
	for i, w := range []storage.Span{want, child} { // start order
		if g, w := normSpan(got.Spans[i]), normSpan(w); !reflect.DeepEqual(g, w) {
			t.Errorf("span %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func testSpanDuplicates(t *testing.T, h Harness) {
	_, ss := openSpans(t, h)
	base := dayBase()
	s := fullSpan(base)
	other := s
	other.SpanID++ // differs in one field: stored too
	mustWriteSpans(t, ss, []storage.Span{s, s, other})
	mustWriteSpans(t, ss, []storage.Span{other, s, s}) // a stored span, repeated within the batch
	got, err := ss.GetTrace(context.Background(), s.TraceID)
	if err != nil {
		t.Fatalf("GetTrace: %v", err)
	}
	if len(got.Spans) != 2 {
		t.Fatalf("after duplicates: %d spans, want 2", len(got.Spans))
	}
}

func testSpanServices(t *testing.T, h Harness) {
	_, ss := openSpans(t, h)
	base := dayBase()
	mustWriteSpans(t, ss, []storage.Span{
		{TraceID: storage.TraceID{Low: 1}, SpanID: 1, Service: "b", Name: "GET", Kind: "server", Start: base},
		{TraceID: storage.TraceID{Low: 1}, SpanID: 2, Service: "b", Name: "GET", Kind: "client", Start: base},
		{TraceID: storage.TraceID{Low: 1}, SpanID: 3, Service: "b", Name: "GET", Kind: "server", Start: base.Add(time.Second)},
		{TraceID: storage.TraceID{Low: 1}, SpanID: 4, Service: "b", Name: "db", Kind: "", Start: base},
		{TraceID: storage.TraceID{Low: 2}, SpanID: 5, Service: "a", Name: "x", Kind: "server", Start: base},
	})
	ctx := context.Background()
	svcs, err := ss.Services(ctx)
	if err != nil || !slices.Equal(svcs, []string{"a", "b"}) {
		t.Errorf("Services = %v, %v; want [a b]", svcs, err)
	}
	ops, err := ss.Operations(ctx, "b", "")
	want := []storage.Operation{{Name: "GET", Kind: "client"}, {Name: "GET", Kind: "server"}, {Name: "db", Kind: ""}}
	if err != nil || !sameOps(ops, want) {
		t.Errorf("Operations(b) = %v, %v; want %v", ops, err, want)
	}
	ops, err = ss.Operations(ctx, "b", "server")
	if want := []storage.Operation{{Name: "GET", Kind: "server"}}; err != nil || !sameOps(ops, want) {
		t.Errorf("Operations(b, server) = %v, %v; want %v", ops, err, want)
	}
	if ops, err = ss.Operations(ctx, "nope", ""); err != nil || len(ops) != 0 {
		t.Errorf("Operations(nope) = %v, %v; want none", ops, err)
	}
}

func sameOps(a, b []storage.Operation) bool {
	key := func(o storage.Operation) string { return o.Name + "\x00" + string(o.Kind) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = key(a[i])
	}
	for i := range b {
		kb[i] = key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// findCorpus is four traces, 1–4, the higher the newer; each has a root
// server span and one child.
func findCorpus(base time.Time) []storage.Span {
	var out []storage.Span
	for i := uint64(1); i <= 4; i++ {
		start := base.Add(time.Duration(i) * time.Minute)
		root := storage.Span{TraceID: storage.TraceID{High: i, Low: i}, SpanID: i * 10, Service: "front", Name: "GET /", Kind: "server",
			Start: start, DurationMicros: int64(i) * 1000, HTTPMethod: "GET", HTTPStatus: 200,
			Attrs: []storage.KeyValue{{Key: "trace.n", Value: string(rune('0' + i))}}}
		child := storage.Span{TraceID: root.TraceID, SpanID: i*10 + 1, ParentID: root.SpanID, Service: "back", Name: "query", Kind: "client",
			Start: start.Add(time.Millisecond), DurationMicros: 10, UpstreamCluster: "db"}
		if i == 3 {
			child.StatusCode = 2
			child.ResponseFlags = "UF"
		}
		out = append(out, root, child)
	}
	return out
}

func traceIDs(ts []storage.Trace) []uint64 {
	out := make([]uint64, len(ts))
	for i, tr := range ts {
		out[i] = tr.ID.Low
	}
	return out
}

func testFindTraces(t *testing.T, h Harness) {
	_, ss := openSpans(t, h)
	base := dayBase()
	mustWriteSpans(t, ss, findCorpus(base))
	cases := []struct {
		name string
		q    storage.TraceQuery
		want []uint64
	}{
		{"all newest first", storage.TraceQuery{}, []uint64{4, 3, 2, 1}},
		{"limit is traces", storage.TraceQuery{Limit: 2}, []uint64{4, 3}},
		{"service", storage.TraceQuery{Service: "back"}, []uint64{4, 3, 2, 1}},
		{"unknown service", storage.TraceQuery{Service: "nope"}, []uint64{}},
		{"operation", storage.TraceQuery{Service: "front", Operation: "GET /"}, []uint64{4, 3, 2, 1}},
		{"operation of another service", storage.TraceQuery{Service: "front", Operation: "query"}, []uint64{}},
		{"start", storage.TraceQuery{Start: base.Add(2 * time.Minute)}, []uint64{4, 3, 2}},
		{"end", storage.TraceQuery{End: base.Add(2 * time.Minute)}, []uint64{2, 1}},
		{"min duration", storage.TraceQuery{MinDuration: 3 * time.Millisecond}, []uint64{4, 3}},
		{"max duration", storage.TraceQuery{Service: "front", MaxDuration: 2 * time.Millisecond}, []uint64{2, 1}},
		{"attribute tag", storage.TraceQuery{Tags: map[string]string{"trace.n": "2"}}, []uint64{2}},
		{"column tag", storage.TraceQuery{Tags: map[string]string{"response_flags": "UF"}}, []uint64{3}},
		{"status tag", storage.TraceQuery{Tags: map[string]string{"http.status_code": "200", "trace.n": "4"}}, []uint64{4}},
		{"error tag", storage.TraceQuery{Tags: map[string]string{"error": "true"}}, []uint64{3}},
		{"tags on different spans", storage.TraceQuery{Tags: map[string]string{"upstream_cluster": "db", "trace.n": "1"}}, []uint64{}},
	}
	for _, c := range cases {
		got, err := ss.FindTraces(context.Background(), c.q)
		if err != nil {
			t.Errorf("%s: FindTraces: %v", c.name, err)
			continue
		}
		if ids := traceIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("%s: traces %v, want %v", c.name, ids, c.want)
		}
		for _, tr := range got {
			if len(tr.Spans) != 2 {
				t.Errorf("%s: trace %d has %d spans, want 2 (whole)", c.name, tr.ID.Low, len(tr.Spans))
			}
		}
	}
}

func testGetTraceNotFound(t *testing.T, h Harness) {
	_, ss := openSpans(t, h)
	mustWriteSpans(t, ss, findCorpus(dayBase()))
	_, err := ss.GetTrace(context.Background(), storage.TraceID{High: 0, Low: 1}) // High differs from trace 1's
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetTrace(unknown) error = %v, want ErrNotFound", err)
	}
}

func testTracesByRequestID(t *testing.T, h Harness) {
	_, ss := openSpans(t, h)
	base := dayBase()
	spans := findCorpus(base)
	spans[1].RequestID = "req-1"  // trace 1's child
	spans[4].RequestID = "req-1"  // trace 3's root
	spans[6].RequestID = "req-10" // trace 4: a different id
	mustWriteSpans(t, ss, spans)
	got, err := ss.TracesByRequestID(context.Background(), "req-1")
	if err != nil {
		t.Fatalf("TracesByRequestID: %v", err)
	}
	if ids := traceIDs(got); !slices.Equal(ids, []uint64{3, 1}) {
		t.Fatalf("TracesByRequestID(req-1) = traces %v, want [3 1]", ids)
	}
	for _, tr := range got {
		if len(tr.Spans) != 2 {
			t.Errorf("trace %d has %d spans, want 2 (whole)", tr.ID.Low, len(tr.Spans))
		}
	}
	if got, err := ss.TracesByRequestID(context.Background(), "nope"); err != nil || len(got) != 0 {
		t.Errorf("TracesByRequestID(nope) = %d traces, %v; want none", len(got), err)
	}
}

func testDependencies(t *testing.T, h Harness) {
	b, ss := openSpans(t, h)
	dr, ok := b.(storage.DependencyReader)
	if !ok {
		t.Fatalf("backend %T is not a DependencyReader", b)
	}
	base := dayBase()
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	tid := storage.TraceID{High: 9, Low: 9}
	spans := []storage.Span{
		// gateway has no instrumented caller: unknown → gateway.
		{TraceID: tid, SpanID: 1, Service: "gateway", Name: "GET /", Kind: "server", Start: at(0)},
		// gateway → cart, B3 style: the server span is the client's child.
		{TraceID: tid, SpanID: 2, ParentID: 1, Service: "gateway", Name: "cart", Kind: "client", Start: at(1)},
		{TraceID: tid, SpanID: 3, ParentID: 2, Service: "cart", Name: "cart", Kind: "server", Start: at(1), StatusCode: 2},
		// cart → stock, Envoy shared span: the server reuses the client's span id.
		{TraceID: tid, SpanID: 4, ParentID: 3, Service: "cart", Name: "stock", Kind: "client", Start: at(2)},
		{TraceID: tid, SpanID: 4, ParentID: 3, Service: "stock", Name: "stock", Kind: "server", Shared: true, Start: at(2)},
		// cart → db, an uninstrumented peer.
		{TraceID: tid, SpanID: 5, ParentID: 3, Service: "cart", Name: "query", Kind: "client", PeerService: "db", Start: at(3), StatusCode: 2},
		// a client and server of the same service: no link.
		{TraceID: tid, SpanID: 6, ParentID: 3, Service: "cart", Name: "self", Kind: "client", Start: at(4)},
		{TraceID: tid, SpanID: 7, ParentID: 6, Service: "cart", Name: "self", Kind: "server", Start: at(4)},
		// a second call gateway → cart in another trace.
		{TraceID: storage.TraceID{Low: 10}, SpanID: 2, ParentID: 1, Service: "gateway", Name: "cart", Kind: "client", Start: at(5)},
		{TraceID: storage.TraceID{Low: 10}, SpanID: 3, ParentID: 2, Service: "cart", Name: "cart", Kind: "server", Start: at(5)},
		// outside the window.
		{TraceID: storage.TraceID{Low: 11}, SpanID: 1, Service: "late", Name: "x", Kind: "server", Start: at(120)},
		// a server at the window's start whose client started just before
		// it: edge → cart, not unknown → cart.
		{TraceID: storage.TraceID{Low: 12}, SpanID: 1, Service: "edge", Name: "cart", Kind: "client", Start: at(-1)},
		{TraceID: storage.TraceID{Low: 12}, SpanID: 2, ParentID: 1, Service: "cart", Name: "cart", Kind: "server", Start: at(0)},
		// a client at the window's end whose server started just after it:
		// the call belongs to the next window, and is no call to a peer.
		{TraceID: storage.TraceID{Low: 13}, SpanID: 1, Service: "tail", Name: "y", Kind: "client", PeerService: "y", Start: at(59)},
		{TraceID: storage.TraceID{Low: 13}, SpanID: 2, ParentID: 1, Service: "y", Name: "y", Kind: "server", Start: at(61)},
	}
	mustWriteSpans(t, ss, spans)
	got, err := dr.Dependencies(context.Background(), at(60), time.Minute)
	if err != nil {
		t.Fatalf("Dependencies: %v", err)
	}
	want := []storage.DependencyLink{
		{Parent: "cart", Child: "db", CallCount: 1, ErrorCount: 1},
		{Parent: "cart", Child: "stock", CallCount: 1},
		{Parent: "edge", Child: "cart", CallCount: 1},
		{Parent: "gateway", Child: "cart", CallCount: 2, ErrorCount: 1},
		{Parent: "unknown", Child: "gateway", CallCount: 1},
	}
	slices.SortFunc(got, func(a, b storage.DependencyLink) int {
		if a.Parent != b.Parent {
			return compareStrings(a.Parent, b.Parent)
		}
		return compareStrings(a.Child, b.Child)
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Dependencies:\n got %+v\nwant %+v", got, want)
	}
	if got, err := dr.Dependencies(context.Background(), base.Add(-time.Hour), time.Minute); err != nil || len(got) != 0 {
		t.Errorf("Dependencies(empty window) = %v, %v; want none", got, err)
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testSpanDurable(t *testing.T, h Harness) {
	b, ss := openSpans(t, h)
	mustWriteSpans(t, ss, findCorpus(dayBase()))
	b = reopen(t, h, b)
	got, err := asSpans(t, b).FindTraces(context.Background(), storage.TraceQuery{})
	if err != nil || len(got) != 4 {
		t.Fatalf("after reopen: %d traces, %v; want 4", len(got), err)
	}
}
