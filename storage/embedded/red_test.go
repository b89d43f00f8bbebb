package embedded

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// TestQuantileDiscIsNearestRank checks that DuckDB's quantile_disc, called
// as red.sql calls it (a list of DECIMAL literals), returns the value at
// 1-based rank ceil(q·n) (nearest rank), computed here in integers, for
// every n up to 1000 and for fractions whose float form is inexact.
func TestQuantileDiscIsNearestRank(t *testing.T) {
	be := openTest(t)
	qs := []struct {
		lit      string
		num, den int
	}{{"0.5", 50, 100}, {"0.9", 90, 100}, {"0.99", 99, 100}, {"0.07", 7, 100}, {"0.29", 29, 100}, {"0.01", 1, 100}, {"0.333", 333, 1000}}
	list := ""
	for i, q := range qs {
		if i > 0 {
			list += ", "
		}
		list += q.lit
	}
	// The values 1..n in reverse order: the value at rank r is r.
	query := fmt.Sprintf(`SELECT n, quantile_disc(CASE WHEN v >= 0 THEN v END, [%s])
		FROM range(1, 1001) a(n), LATERAL (SELECT n - k AS v FROM range(n) b(k)) GROUP BY n ORDER BY n`, list)
	rows, err := be.duck.db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	checked := 0
	for rows.Next() {
		var n int
		var got any
		if err := rows.Scan(&n, &got); err != nil {
			t.Fatal(err)
		}
		for i, q := range qs {
			want := max(1, (n*q.num+q.den-1)/q.den)
			if g := got.([]any)[i].(int64); g != int64(want) {
				t.Errorf("n=%d q=%s: quantile_disc gave rank %d, nearest rank is %d", n, q.lit, g, want)
			}
		}
		checked++
	}
	if err := rows.Err(); err != nil || checked != 1000 {
		t.Fatalf("checked %d sizes, err %v", checked, err)
	}
}

// TestFailureFlagsViaBits checks that the bit test RED runs in SQL agrees
// with storage.IsFailure and IsClientError.
func TestFailureFlagsViaBits(t *testing.T) {
	for _, flags := range []string{"", "UH", "DI", "FI", "DI,UT", "RL", "UAEX", "UF,URX", "XYZ", "XYZ,NR", "SI", "UMSDR"} {
		for _, code := range []int32{0, 200, 404, 429, 499, 500, 503, 599} {
			bits := flagBits(flags)
			failed := (code >= 500 && code <= 599) || bits&failureMask != 0
			client := code >= 400 && code <= 499 && bits&failureMask == 0
			if failed != storage.IsFailure(code, flags) || client != storage.IsClientError(code, flags) {
				t.Errorf("code %d flags %q: bits say failed=%v client=%v, storage says %v %v",
					code, flags, failed, client, storage.IsFailure(code, flags), storage.IsClientError(code, flags))
			}
		}
	}
}

// TestRequestHashMatchesDuckDB checks the Go request hash against the SQL
// expression documented for ad-hoc queries.
func TestRequestHashMatchesDuckDB(t *testing.T) {
	be := openTest(t)
	for _, id := range []string{"", "abc", "6d67d674-ec2f-9d3f-a1b2-0123456789ab", "ü'\"\x00x"} {
		var got uint64
		if err := be.duck.db.QueryRow("SELECT md5_number_lower(?)", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := requestHash(id); got != want {
			t.Errorf("request %q: DuckDB %d, Go %d", id, got, want)
		}
	}
}

func TestREDQueryErrors(t *testing.T) {
	be := openTest(t)
	now := time.Now()
	ok := storage.REDQuery{Start: now.Add(-time.Hour), End: now}
	cases := []struct {
		name   string
		mod    func(q *storage.REDQuery)
		target error
	}{
		{"spans", func(q *storage.REDQuery) { q.Source = "spans" }, storage.ErrNotSupported},
		{"bad by", func(q *storage.REDQuery) { q.By = "pod" }, nil},
		{"no start", func(q *storage.REDQuery) { q.Start = time.Time{} }, nil},
		{"end before start", func(q *storage.REDQuery) { q.End = q.Start.Add(-time.Second) }, nil},
	}
	for _, c := range cases {
		q := ok
		c.mod(&q)
		_, err := be.RED(context.Background(), q)
		if err == nil || (c.target != nil && !errors.Is(err, c.target)) {
			t.Errorf("%s: got %v, want an error (is %v)", c.name, err, c.target)
		}
	}
	if rows, err := be.RED(context.Background(), ok); err != nil || len(rows) != 0 {
		t.Errorf("empty store: got %v, %v; want no rows", rows, err)
	}
}

func openTest(t *testing.T) *Backend {
	t.Helper()
	be, err := Open(Config{Path: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = be.Close() })
	return be
}

// TestREDStandIns checks each spelling of the stand-in condition against
// the brute force: no destination lacks the preferred reporter, fewer lack
// it than have it, more do, and all do.
func TestREDStandIns(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	rec := func(dst, reporter string, i int) storage.AccessLog {
		return storage.AccessLog{
			Start: now.Add(-time.Duration(i) * time.Second), DurationMicros: int64(1000 * (i + 1)),
			ResponseCode: []int32{200, 503, 404}[i%3], Protocol: "HTTP/1.1", RequestID: fmt.Sprintf("%s-%s-%d", dst, reporter, i),
			Reporter:      storage.Reporter{Direction: reporter},
			SourceService: "gateway", SourceNamespace: "default", DestinationService: dst, DestinationNamespace: "default",
		}
	}
	// dests maps a destination to its reporters.
	cases := map[string]map[string][]string{
		"none lacking":  {"a": {"destination", "source"}, "b": {"destination"}},
		"fewer lacking": {"a": {"source"}, "b": {"destination", "source"}, "c": {"destination"}},
		"more lacking":  {"a": {"source"}, "b": {"source"}, "c": {"destination", "source"}},
		"all lacking":   {"a": {"source"}, "b": {"source"}},
	}
	for name, dests := range cases {
		t.Run(name, func(t *testing.T) {
			be := openTest(t)
			var rows []storage.AccessLog
			for dst, reporters := range dests {
				for _, r := range reporters {
					for i := range 7 {
						rows = append(rows, rec(dst, r, i))
					}
				}
			}
			if err := be.WriteAccessLogs(context.Background(), rows); err != nil {
				t.Fatal(err)
			}
			q := storage.REDQuery{Start: now.Add(-time.Hour), End: now.Add(time.Second), By: "service"}
			got, err := be.RED(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			want := storagetest.BruteForceRED(rows, q)
			if len(got) != len(dests) || !reflect.DeepEqual(got, want) {
				t.Errorf("RED by service:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
