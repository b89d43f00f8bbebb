package embedded

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// toOldLayout turns table into the layout before attribute text, with
// the given attribute lists per span id, as a file written then has it.
func toOldLayout(t *testing.T, be *Backend, table string, attrs map[uint64][]storage.KeyValue) {
	t.Helper()
	ctx := context.Background()
	ddl := strings.Replace(spanTable.createSQL(table+"_old"), attrsColumn+" VARCHAR", "attr_keys VARCHAR[],\n\tattr_values VARCHAR[]", 1)
	keys, values := "CASE WHEN false THEN NULL", "CASE WHEN false THEN NULL"
	for id, kvs := range attrs {
		var k, v []string
		for _, kv := range kvs {
			k = append(k, "'"+strings.ReplaceAll(kv.Key, "'", "''")+"'")
			v = append(v, "'"+strings.ReplaceAll(kv.Value, "'", "''")+"'")
		}
		keys += " WHEN span_id = " + uintSQL(id) + " THEN [" + strings.Join(k, ", ") + "]::VARCHAR[]"
		values += " WHEN span_id = " + uintSQL(id) + " THEN [" + strings.Join(v, ", ") + "]::VARCHAR[]"
	}
	keys += " ELSE []::VARCHAR[] END"
	values += " ELSE []::VARCHAR[] END"
	for _, q := range []string{
		ddl,
		"INSERT INTO " + table + "_old BY NAME SELECT * EXCLUDE (" + attrsColumn + "), " + keys + " AS attr_keys, " + values + " AS attr_values FROM " + table,
		"DROP TABLE " + table,
		"ALTER TABLE " + table + "_old RENAME TO " + table,
	} {
		if _, err := be.duck.wconn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func uintSQL(v uint64) string { return strconv.FormatUint(v, 10) }

// TestMigrateSpanAttrs opens a file whose span tables have the attribute
// lists of before, and checks that every span reads back with the same
// attributes, that tag search finds them, and that new writes go on.
func TestMigrateSpanAttrs(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	attrs := map[uint64][]storage.KeyValue{
		1: {{Key: "component", Value: "proxy"}, {Key: "it's", Value: "a\x1fb\x1ec\x1cd"}, {Key: "node_id", Value: ""}},
		2: {{Key: "component", Value: "app"}},
		3: nil,
	}
	var spans []storage.Span
	for id := uint64(1); id <= 3; id++ {
		spans = append(spans, storage.Span{TraceID: storage.TraceID{Low: 77}, SpanID: id, Service: "reviews", Name: "get",
			Kind: "server", Start: now.Add(time.Duration(id) * time.Millisecond), Attrs: attrs[id]})
	}
	be, err := Open(Config{Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := be.WriteSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	toOldLayout(t, be, spanParts.table(utcDay(now)), attrs)
	toOldLayout(t, be, spansTemplate, nil)
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}

	be, err = Open(Config{Path: dir}, nil)
	if err != nil {
		t.Fatalf("reopening a file with the old span layout: %v", err)
	}
	defer be.Close()
	tr, err := be.GetTrace(ctx, storage.TraceID{Low: 77})
	if err != nil || len(tr.Spans) != 3 {
		t.Fatalf("trace after migration: %d spans, %v", len(tr.Spans), err)
	}
	for _, s := range tr.Spans {
		if !reflect.DeepEqual(s.Attrs, attrs[s.SpanID]) {
			t.Errorf("span %d: attributes %q, want %q", s.SpanID, s.Attrs, attrs[s.SpanID])
		}
	}
	found, err := be.FindTraces(ctx, storage.TraceQuery{Service: "reviews", Tags: map[string]string{"it's": "a\x1fb\x1ec\x1cd"},
		Start: now.Add(-time.Hour), End: now.Add(time.Hour)})
	if err != nil || len(found) != 1 {
		t.Fatalf("tag search after migration: %d traces, %v", len(found), err)
	}
	next := spans[0]
	next.SpanID, next.TraceID.Low = 9, 78
	if err := be.WriteSpans(ctx, []storage.Span{next}); err != nil {
		t.Fatalf("writing after migration: %v", err)
	}
	if tr, err := be.GetTrace(ctx, storage.TraceID{Low: 78}); err != nil || !reflect.DeepEqual(tr.Spans[0].Attrs, next.Attrs) {
		t.Fatalf("span written after migration: %+v, %v", tr, err)
	}
}
