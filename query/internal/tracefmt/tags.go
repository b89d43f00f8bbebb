package tracefmt

import (
	"strconv"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// OTLP status codes as stored in Span.StatusCode.
const (
	StatusUnset = 0
	StatusOK    = 1
	StatusError = 2
)

// columns are the typed span columns with the attribute keys ingest reads
// each from, preferred first (storage/rowconv package doc, "Tag columns").
var columns = []struct {
	keys []string
	get  func(*storage.Span) string
}{
	{[]string{rowconv.AttrEnvoyRequestID}, func(s *storage.Span) string { return s.RequestID }},
	{[]string{rowconv.AttrUpstreamCluster, rowconv.AttrUpstreamClusterName}, func(s *storage.Span) string { return s.UpstreamCluster }},
	{[]string{rowconv.AttrResponseFlags}, func(s *storage.Span) string { return s.ResponseFlags }},
	{[]string{rowconv.AttrHTTPMethod, rowconv.AttrHTTPRequestMethod}, func(s *storage.Span) string { return s.HTTPMethod }},
	{[]string{rowconv.AttrHTTPStatusCode, rowconv.AttrHTTPResponseStatusCode}, func(s *storage.Span) string {
		if s.HTTPStatus == 0 {
			return ""
		}
		return strconv.Itoa(int(s.HTTPStatus))
	}},
	{[]string{rowconv.AttrPeerService, rowconv.AttrServicePeerName}, func(s *storage.Span) string { return s.PeerService }},
	{[]string{rowconv.AttrHTTPRoute, rowconv.AttrURLPath, rowconv.AttrHTTPTarget, rowconv.AttrHTTPURL, rowconv.AttrURLFull},
		func(s *storage.Span) string { return s.HTTPRoute }},
}

// Tags is the span's tags as its producer sent them: s.Attrs, which ingest
// keeps whole, then each non-empty typed column that none of its source
// attributes is present for (a row written by hand or by another path),
// under the column's preferred key. The status is not a tag here: each API
// shows it its own way. The result is a new slice; s is not modified.
func Tags(s *storage.Span) []storage.KeyValue {
	out := make([]storage.KeyValue, len(s.Attrs), len(s.Attrs)+len(columns))
	copy(out, s.Attrs)
	for _, c := range columns {
		v := c.get(s)
		if v == "" || hasAny(s.Attrs, c.keys) {
			continue
		}
		out = append(out, storage.KeyValue{Key: c.keys[0], Value: v})
	}
	return out
}

func hasAny(attrs []storage.KeyValue, keys []string) bool {
	for _, k := range keys {
		if _, ok := Lookup(attrs, k); ok {
			return true
		}
	}
	return false
}

// IsIntKey reports whether receivers send key as an integer (status codes
// and ports), so that APIs with typed values (Jaeger) give it back as one.
func IsIntKey(key string) bool {
	switch key {
	case rowconv.AttrHTTPStatusCode, rowconv.AttrHTTPResponseStatusCode, "net.host.port", "net.peer.port",
		"server.port", "client.port", "network.local.port", "network.peer.port":
		return true
	}
	return false
}

// Lookup returns the value of the first attribute named key.
func Lookup(kvs []storage.KeyValue, key string) (string, bool) {
	for i := range kvs {
		if kvs[i].Key == key {
			return kvs[i].Value, true
		}
	}
	return "", false
}
