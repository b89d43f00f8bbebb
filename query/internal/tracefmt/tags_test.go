package tracefmt

import (
	"reflect"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

func TestTags(t *testing.T) {
	kv := func(k, v string) storage.KeyValue { return storage.KeyValue{Key: k, Value: v} }
	cases := []struct {
		name string
		span storage.Span
		want []storage.KeyValue
	}{
		{"empty", storage.Span{}, []storage.KeyValue{}},
		{"hand-built row: columns restored after attrs", storage.Span{
			Attrs:      []storage.KeyValue{kv("component", "proxy")},
			HTTPMethod: "GET", HTTPStatus: 503, RequestID: "r-1", ResponseFlags: "UF",
			UpstreamCluster: "outbound|80||b", PeerService: "b", HTTPRoute: "/x", StatusCode: StatusError,
		}, []storage.KeyValue{
			kv("component", "proxy"), kv("guid:x-request-id", "r-1"), kv("upstream_cluster", "outbound|80||b"),
			kv("response_flags", "UF"), kv("http.method", "GET"), kv("http.status_code", "503"),
			kv("peer.service", "b"), kv("http.route", "/x"),
		}},
		{"ingested row: attributes the columns came from are not repeated", storage.Span{
			Attrs: []storage.KeyValue{kv("http.request.method", "POST"), kv("http.response.status_code", "201"),
				kv("http.url", "http://a/b?c"), kv("response_flags", "-"), kv("upstream_cluster.name", "x")},
			HTTPMethod: "POST", HTTPStatus: 201, HTTPRoute: "/b", UpstreamCluster: "x",
		}, []storage.KeyValue{kv("http.request.method", "POST"), kv("http.response.status_code", "201"),
			kv("http.url", "http://a/b?c"), kv("response_flags", "-"), kv("upstream_cluster.name", "x")}},
		{"status is not a tag", storage.Span{StatusCode: StatusError}, []storage.KeyValue{}},
	}
	for _, c := range cases {
		before := append([]storage.KeyValue(nil), c.span.Attrs...)
		got := Tags(&c.span)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Tags = %v, want %v", c.name, got, c.want)
		}
		if len(before) > 0 && !reflect.DeepEqual(before, c.span.Attrs) {
			t.Errorf("%s: Tags modified the span", c.name)
		}
	}
}
