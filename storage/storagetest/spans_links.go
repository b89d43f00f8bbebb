package storagetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// DependencyWait is the pairing wait RunSpans assumes the backend was
// opened with: its default (embedded.DefaultDependencyWait).
const DependencyWait = 5 * time.Minute

// testDependenciesAcrossBatches writes each span of a call in its own
// batch, the server span first, with the client span starting minutes
// earlier: the link must still pair within DependencyWait, and not beyond.
func testDependenciesAcrossBatches(t *testing.T, h Harness) {
	b, ss := openSpans(t, h)
	dr := as[storage.DependencyReader](t, b, "a DependencyReader")
	base := dayBase()
	at := func(d time.Duration) time.Time { return base.Add(d) }
	near, far := storage.TraceID{Low: 21}, storage.TraceID{Low: 22}
	batches := [][]storage.Span{
		// servers first, as when the callee's proxy flushes first
		{{TraceID: near, SpanID: 2, ParentID: 1, Service: "reviews", Name: "get", Kind: "server", Start: at(30 * time.Minute)}},
		{{TraceID: far, SpanID: 2, ParentID: 1, Service: "ratings", Name: "get", Kind: "server", Start: at(30 * time.Minute)}},
		// then their clients, started well before (a long queue, a slow
		// connect): within the wait, and more than the wait before the
		// window [29m, 31m)
		{{TraceID: near, SpanID: 1, Service: "productpage", Name: "get", Kind: "client", Start: at(30*time.Minute - DependencyWait + time.Second)}},
		{{TraceID: far, SpanID: 1, Service: "reviews", Name: "get", Kind: "client", Start: at(29*time.Minute - DependencyWait - time.Second)}},
	}
	for _, batch := range batches {
		mustWriteSpans(t, ss, batch)
	}
	got, err := dr.Dependencies(context.Background(), at(31*time.Minute), 2*time.Minute)
	if err != nil {
		t.Fatalf("Dependencies: %v", err)
	}
	want := []storage.DependencyLink{
		{Parent: "productpage", Child: "reviews", CallCount: 1},
		{Parent: "unknown", Child: "ratings", CallCount: 1}, // its client is beyond the wait
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Dependencies:\n got %+v\nwant %+v", got, want)
	}
}

// testRemoteServicesAndAutocomplete checks the Zipkin API's lookups.
func testRemoteServicesAndAutocomplete(t *testing.T, h Harness) {
	b, ss := openSpans(t, h)
	rs := as[storage.RemoteServiceReader](t, b, "a RemoteServiceReader")
	ac := as[storage.AutocompleteReader](t, b, "an AutocompleteReader")
	base := dayBase()
	tid := storage.TraceID{Low: 31}
	mustWriteSpans(t, ss, []storage.Span{
		{TraceID: tid, SpanID: 1, Service: "cart", Name: "q", Kind: "client", PeerService: "mysql", Start: base, HTTPMethod: "GET",
			Attrs: []storage.KeyValue{{Key: "http.method", Value: "GET"}, {Key: "upstream_cluster", Value: "outbound|3306||mysql"}}},
		{TraceID: tid, SpanID: 2, Service: "cart", Name: "r", Kind: "client", PeerService: "redis", Start: base, HTTPStatus: 503},
		{TraceID: tid, SpanID: 3, Service: "cart", Name: "s", Kind: "client", PeerService: "mysql", Start: base,
			Attrs: []storage.KeyValue{{Key: "http.method", Value: "POST"}}},
		{TraceID: tid, SpanID: 4, Service: "web", Name: "t", Kind: "client", PeerService: "cart", Start: base},
	})
	ctx := context.Background()
	if got, err := rs.RemoteServices(ctx, "cart"); err != nil || !reflect.DeepEqual(got, []string{"mysql", "redis"}) {
		t.Errorf("RemoteServices(cart) = %v, %v", got, err)
	}
	if got, err := rs.RemoteServices(ctx, "nobody"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("RemoteServices(nobody) = %#v, %v; want empty", got, err)
	}
	keys, err := ac.AutocompleteKeys(ctx)
	if err != nil || len(keys) == 0 {
		t.Fatalf("AutocompleteKeys = %v, %v", keys, err)
	}
	for key, want := range map[string][]string{
		"http.method":      {"GET", "POST"},
		"http.status_code": {"503"},
		"upstream_cluster": {"outbound|3306||mysql"},
		"not.configured":   {},
	} {
		configured := false
		for _, k := range keys {
			configured = configured || k == key
		}
		if !configured && len(want) > 0 {
			continue // only the configured keys have values
		}
		if got, err := ac.AutocompleteValues(ctx, key); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("AutocompleteValues(%s) = %#v, %v; want %v", key, got, err, want)
		}
	}
}
