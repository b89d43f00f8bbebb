package embedded

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// TestConformanceSpans runs the span conformance suite.
func TestConformanceSpans(t *testing.T) {
	storagetest.RunSpans(t, harness())
}

// TestSpanRetention drops whole expired span days, keeps the rest readable
// through the spans view, and survives a reopen; access-log days are
// tracked apart.
func TestSpanRetention(t *testing.T) {
	dir := t.TempDir()
	be, err := Open(Config{Path: dir, Retention: 48 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	old, recent := now.Add(-40*time.Hour), now.Add(-time.Hour)
	if err := be.WriteSpans(ctx, []storage.Span{
		{TraceID: storage.TraceID{Low: 1}, SpanID: 1, Service: "old", Start: old},
		{TraceID: storage.TraceID{Low: 2}, SpanID: 1, Service: "recent", Start: recent},
	}); err != nil {
		t.Fatal(err)
	}
	if len(be.duck.days) != 0 || len(be.duck.spanDays) != 2 {
		t.Fatalf("day tables: access_logs %v, spans %v", be.duck.days, be.duck.spanDays)
	}
	if err := be.duck.enforceRetention(ctx, utcDay(old).Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := be.Services(ctx); err != nil || !slices.Equal(got, []string{"recent"}) {
		t.Fatalf("services after retention: %q, %v; want [recent]", got, err)
	}
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}
	be, err = Open(Config{Path: dir, Retention: 48 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if got, err := be.Services(ctx); err != nil || !slices.Equal(got, []string{"recent"}) {
		t.Fatalf("services after reopen: %q, %v; want [recent]", got, err)
	}
	if len(be.duck.spanDays) != 1 {
		t.Fatalf("span days after reopen: %v", be.duck.spanDays)
	}
}

// TestSpansRejectOutsideRetention reports spans that retention would drop
// at once, or that lie more than a day ahead, and stores the rest.
func TestSpansRejectOutsideRetention(t *testing.T) {
	be := openTest(t)
	now := time.Now()
	err := be.WriteSpans(context.Background(), []storage.Span{
		{SpanID: 1, Service: "too-old", Start: now.Add(-DefaultRetention - time.Hour)},
		{SpanID: 2, Service: "ok", Start: now},
		{SpanID: 3, Service: "future", Start: now.Add(48 * time.Hour)},
	})
	var rej *storage.RejectedError
	if !errors.As(err, &rej) || rej.Rejected != 2 || rej.Signal != "spans" {
		t.Fatalf("got %v, want a RejectedError for 2 spans", err)
	}
	if got, err := be.Services(context.Background()); err != nil || !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("stored %q, %v; want [ok]", got, err)
	}
}

// TestSpanSchema pins the spans view's column types.
func TestSpanSchema(t *testing.T) {
	be := openTest(t)
	rows, err := be.duck.db.Query("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'spans' ORDER BY column_index")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		got = append(got, name+" "+typ)
	}
	want := []string{
		"trace_id_high UBIGINT", "trace_id_low UBIGINT", "span_id UBIGINT", "parent_id UBIGINT",
		"service VARCHAR", "name VARCHAR", "kind VARCHAR", "shared BOOLEAN", "debug BOOLEAN",
		"start TIMESTAMP WITH TIME ZONE", "duration_us BIGINT", "status_code INTEGER",
		"http_method VARCHAR", "http_route VARCHAR", "http_status INTEGER", "peer_service VARCHAR",
		"request_id VARCHAR", "response_flags VARCHAR", "upstream_cluster VARCHAR",
		"attrs VARCHAR", "events VARCHAR",
		"request_hash UBIGINT", "row_hash BIGINT",
	}
	if !slices.Equal(got, want) {
		t.Errorf("spans columns:\n got %q\nwant %q", got, want)
	}
}
