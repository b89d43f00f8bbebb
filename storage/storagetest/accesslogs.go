package storagetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// RunAccessLogs checks the access-log seams: AccessLogWriter,
// AccessLogReader, DeadLetterWriter/DeadLetterReader and REDReader over
// logs. A backend lacking one of them fails the subtests that need it.
func RunAccessLogs(t *testing.T, h Harness) {
	t.Run("RoundTripEveryField", func(t *testing.T) { testLogRoundTrip(t, h) })
	t.Run("Filters", func(t *testing.T) { testLogFilters(t, h) })
	t.Run("NewestFirstAndLimit", func(t *testing.T) { testLogLimit(t, h) })
	t.Run("ReplayIsNoop", func(t *testing.T) { testLogReplay(t, h) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testLogConcurrent(t, h) })
	t.Run("DurableAcrossReopen", func(t *testing.T) { testLogDurable(t, h) })
	t.Run("DeadLetters", func(t *testing.T) { testDeadLetters(t, h) })
	t.Run("REDExact", func(t *testing.T) { testREDExact(t, h) })
}

// logStore is what most access-log subtests need from a backend.
type logStore interface {
	storage.AccessLogWriter
	storage.AccessLogReader
}

func openLogs(t *testing.T, h Harness) (storage.Backend, logStore) {
	t.Helper()
	b := open(t, h)
	return b, asLogs(t, b)
}

func asLogs(t *testing.T, b storage.Backend) logStore {
	t.Helper()
	return as[logStore](t, b, "an AccessLogWriter and AccessLogReader")
}

func mustWriteLogs(t *testing.T, w storage.AccessLogWriter, rows []storage.AccessLog) {
	t.Helper()
	if err := w.WriteAccessLogs(context.Background(), rows); err != nil {
		t.Fatalf("WriteAccessLogs(%d rows): %v", len(rows), err)
	}
}

func mustFind(t *testing.T, r storage.AccessLogReader, q storage.AccessLogQuery) []storage.AccessLog {
	t.Helper()
	got, err := r.FindAccessLogs(context.Background(), q)
	if err != nil {
		t.Fatalf("FindAccessLogs(%+v): %v", q, err)
	}
	return got
}

func requestIDs(rows []storage.AccessLog) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.RequestID
	}
	return ids
}

// filledLog sets every field of an AccessLog, found by reflection, to a
// value derived from seed, so a field added to the type without storage
// support fails the round trip. Strings carry quotes and non-ASCII to catch
// escaping bugs.
func filledLog(seed int, start time.Time) storage.AccessLog {
	var r storage.AccessLog
	var fill func(v reflect.Value, prefix string)
	n := int64(seed * 1000)
	fill = func(v reflect.Value, prefix string) {
		for i := range v.NumField() {
			f, name := v.Field(i), prefix+v.Type().Field(i).Name
			n++
			switch f.Kind() {
			case reflect.String:
				f.SetString(fmt.Sprintf("%s-%d 'q\"ü", name, seed))
			case reflect.Int64, reflect.Int32, reflect.Int:
				f.SetInt(n)
			case reflect.Struct:
				if f.Type() == reflect.TypeFor[time.Time]() {
					f.Set(reflect.ValueOf(start))
				} else {
					fill(f, name+".")
				}
			default:
				panic(fmt.Sprintf("filledLog: field %s has unhandled kind %s", name, f.Kind()))
			}
		}
	}
	fill(reflect.ValueOf(&r).Elem(), "")
	return r
}

func testLogRoundTrip(t *testing.T, h Harness) {
	_, ls := openLogs(t, h)
	base := dayBase()
	in := []storage.AccessLog{
		filledLog(1, base.Add(-time.Minute+123*time.Microsecond)),
		filledLog(2, base.Add(time.Minute)),
	}
	// Unknown durations ("-") and an empty string must come back as such.
	in[1].DurationMicros, in[1].UpstreamServiceMicros, in[1].UserAgent = -1, -1, ""
	mustWriteLogs(t, ls, in)
	for _, want := range in {
		got := mustFind(t, ls, storage.AccessLogQuery{RequestID: want.RequestID})
		if len(got) != 1 {
			t.Fatalf("request %q: got %d records, want 1", want.RequestID, len(got))
		}
		g := got[0]
		if !g.Start.Equal(want.Start) {
			t.Errorf("Start: got %s, want %s", g.Start, want.Start)
		}
		g.Start = want.Start
		if !reflect.DeepEqual(g, want) {
			t.Errorf("round trip differs:\n got %+v\nwant %+v", g, want)
		}
	}
}

// filterCorpus is a small mesh: a request "a" logged by both proxies, a
// failed call, a no-route 404, a POST and a TCP connection.
func filterCorpus(base time.Time) []storage.AccessLog {
	rec := func(min int, id, reporter, src, dst string, code int32, flags, method, path string) storage.AccessLog {
		return storage.AccessLog{
			Start: base.Add(time.Duration(min) * time.Minute), DurationMicros: int64(min) * 1000,
			Method: method, Path: path, Protocol: "HTTP/1.1", ResponseCode: code, ResponseFlags: flags, RequestID: id,
			Reporter:      storage.Reporter{Direction: reporter},
			SourceService: src, DestinationService: dst,
		}
	}
	return []storage.AccessLog{
		rec(-3, "a", "source", "productpage", "reviews", 200, "", "GET", "/reviews/1"),
		rec(-2, "a", "destination", "unknown", "reviews", 200, "", "GET", "/reviews/1"),
		rec(-1, "b", "source", "reviews", "ratings", 503, "UF,URX", "GET", "/ratings/1"),
		rec(1, "c", "destination", "unknown", "productpage", 404, "NR", "GET", "/productpage"),
		rec(2, "d", "source", "productpage", "details", 201, "", "POST", "/details/2"),
		rec(3, "e", "source", "reviews", "mongodb", 0, "UH", "", ""),
	}
}

func testLogFilters(t *testing.T, h Harness) {
	_, ls := openLogs(t, h)
	base := dayBase()
	mustWriteLogs(t, ls, filterCorpus(base))
	cases := []struct {
		name string
		q    storage.AccessLogQuery
		want []string // request ids, newest first
	}{
		{"all", storage.AccessLogQuery{}, []string{"e", "d", "c", "b", "a", "a"}},
		{"service either side", storage.AccessLogQuery{Service: "reviews"}, []string{"e", "b", "a", "a"}},
		{"service inbound", storage.AccessLogQuery{Service: "reviews", Direction: "inbound"}, []string{"a"}},
		{"service destination", storage.AccessLogQuery{Service: "reviews", Direction: "destination"}, []string{"a"}},
		{"service outbound", storage.AccessLogQuery{Service: "reviews", Direction: "outbound"}, []string{"e", "b"}},
		{"direction alone", storage.AccessLogQuery{Direction: "destination"}, []string{"c", "a"}},
		{"code", storage.AccessLogQuery{ResponseCode: 404}, []string{"c"}},
		{"class 5", storage.AccessLogQuery{CodeClass: 5}, []string{"b"}},
		{"class 2", storage.AccessLogQuery{CodeClass: 2}, []string{"d", "a", "a"}},
		{"flag second of two", storage.AccessLogQuery{ResponseFlag: "URX"}, []string{"b"}},
		{"flag first of two", storage.AccessLogQuery{ResponseFlag: "UF"}, []string{"b"}},
		{"flag is not a substring match", storage.AccessLogQuery{ResponseFlag: "U"}, nil},
		{"path prefix", storage.AccessLogQuery{PathPrefix: "/reviews"}, []string{"a", "a"}},
		{"path prefix is literal", storage.AccessLogQuery{PathPrefix: "/re%"}, nil},
		{"request id", storage.AccessLogQuery{RequestID: "a"}, []string{"a", "a"}},
		{"request id unknown", storage.AccessLogQuery{RequestID: "zzz"}, nil},
		{"request id injection", storage.AccessLogQuery{RequestID: "a' OR '1'='1"}, nil},
		{"time range half-open", storage.AccessLogQuery{Start: base.Add(-2 * time.Minute), End: base.Add(2 * time.Minute)}, []string{"c", "b", "a"}},
		{"combined", storage.AccessLogQuery{Service: "productpage", CodeClass: 2, Start: base}, []string{"d"}},
		{"limit", storage.AccessLogQuery{Limit: 2}, []string{"e", "d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := requestIDs(mustFind(t, ls, c.q))
			if !slices.Equal(got, c.want) {
				t.Errorf("FindAccessLogs(%+v) = %q, want %q", c.q, got, c.want)
			}
		})
	}
	got := mustFind(t, ls, storage.AccessLogQuery{RequestID: "a"})
	if got[0].Reporter.Direction != "destination" || got[1].Reporter.Direction != "source" {
		t.Errorf("request a: hops not newest first: %q, %q", got[0].Reporter.Direction, got[1].Reporter.Direction)
	}
	if _, err := ls.FindAccessLogs(context.Background(), storage.AccessLogQuery{Direction: "sideways"}); err == nil {
		t.Error("an unknown Direction was accepted")
	}
}

func seqLogs(base time.Time, n int, prefix string) []storage.AccessLog {
	rows := make([]storage.AccessLog, n)
	for i := range rows {
		rows[i] = storage.AccessLog{
			Start: base.Add(time.Duration(i) * time.Second), RequestID: fmt.Sprintf("%s%05d", prefix, i),
			ResponseCode: 200, SourceService: "a", DestinationService: "b", Reporter: storage.Reporter{Direction: "source"},
		}
	}
	return rows
}

func testLogLimit(t *testing.T, h Harness) {
	_, ls := openLogs(t, h)
	base := dayBase().Add(-time.Hour)
	rows := seqLogs(base, 150, "r")
	mustWriteLogs(t, ls, rows)
	got := mustFind(t, ls, storage.AccessLogQuery{})
	if len(got) != 100 {
		t.Fatalf("default limit: got %d rows, want 100", len(got))
	}
	for i, r := range got {
		if want := rows[len(rows)-1-i].RequestID; r.RequestID != want {
			t.Fatalf("row %d: got %s, want %s (newest first)", i, r.RequestID, want)
		}
	}
	if got := mustFind(t, ls, storage.AccessLogQuery{Limit: 1000}); len(got) != 150 {
		t.Fatalf("limit 1000: got %d rows, want 150", len(got))
	}
}

func testLogReplay(t *testing.T, h Harness) {
	_, ls := openLogs(t, h)
	batch := filterCorpus(dayBase())
	mustWriteLogs(t, ls, batch)
	mustWriteLogs(t, ls, batch)
	mustWriteLogs(t, ls, batch[2:4])
	if got := mustFind(t, ls, storage.AccessLogQuery{}); len(got) != len(batch) {
		t.Fatalf("after replays: %d records, want %d", len(got), len(batch))
	}
}

func testLogConcurrent(t *testing.T, h Harness) {
	_, ls := openLogs(t, h)
	const writers, batches, perBatch = 4, 10, 50
	base := dayBase().Add(-time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range batches {
				rows := seqLogs(base.Add(time.Duration(i*perBatch)*time.Second), perBatch, fmt.Sprintf("w%d-b%d-", w, i))
				if err := ls.WriteAccessLogs(context.Background(), rows); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := mustFind(t, ls, storage.AccessLogQuery{Limit: 10_000})
	ids := requestIDs(got)
	slices.Sort(ids)
	if len(got) != writers*batches*perBatch || len(slices.Compact(ids)) != len(got) {
		t.Fatalf("got %d records, want %d distinct", len(got), writers*batches*perBatch)
	}
}

func testLogDurable(t *testing.T, h Harness) {
	b, ls := openLogs(t, h)
	batch := filterCorpus(dayBase())
	mustWriteLogs(t, ls, batch)
	b = reopen(t, h, b)
	if got := mustFind(t, asLogs(t, b), storage.AccessLogQuery{}); len(got) != len(batch) {
		t.Fatalf("after reopen: %d records, want %d", len(got), len(batch))
	}
}

func testDeadLetters(t *testing.T, h Harness) {
	b := open(t, h)
	type deadLetters interface {
		storage.DeadLetterWriter
		storage.DeadLetterReader
	}
	dl, ok := b.(deadLetters)
	if !ok {
		t.Fatalf("backend %T is not a DeadLetterWriter and DeadLetterReader", b)
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	huge := make([]byte, storage.MaxDeadLetterRaw+1000)
	for i := range huge {
		huge[i] = byte(i)
	}
	in := []storage.DeadLetter{
		{Received: now.Add(-time.Second), Source: "file:/var/log/a.log:7", Signal: "logs", Error: "bad line", Raw: []byte("\x00\xff garbage"), Size: 10},
		{Received: now, Source: "grpc:127.0.0.1", Signal: "logs", Error: "too long", Raw: huge},
	}
	for range 2 { // the second write is an exact replay
		if err := dl.WriteDeadLetters(ctx, in); err != nil {
			t.Fatalf("WriteDeadLetters: %v", err)
		}
	}
	got, err := dl.DeadLetters(ctx, now.Add(-time.Minute), now.Add(time.Minute), 0)
	if err != nil {
		t.Fatalf("DeadLetters: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d dead letters, want 2", len(got))
	}
	long, short := got[0], got[1] // newest first
	if !long.Received.Equal(now) || long.Size != len(huge) || !slices.Equal(long.Raw, huge[:storage.MaxDeadLetterRaw]) {
		t.Errorf("long dead letter: received %s size %d raw %d bytes; want %s, %d, the first %d bytes",
			long.Received, long.Size, len(long.Raw), now, len(huge), storage.MaxDeadLetterRaw)
	}
	short.Received = in[0].Received
	if !reflect.DeepEqual(short, in[0]) {
		t.Errorf("dead letter round trip:\n got %+v\nwant %+v", short, in[0])
	}
}
