package storagetest

import (
	"encoding/json"
	"fmt"
	"time"
)

// EnvoyZipkinBatch is a Zipkin v2 JSON batch of n Envoy-like spans (client and
// shared server halves of n/2 calls, Envoy's tags), starting at start.
func EnvoyZipkinBatch(n int, start time.Time) []byte {
	type ep struct {
		ServiceName string `json:"serviceName"`
		IPv4        string `json:"ipv4"`
	}
	type span struct {
		TraceID       string            `json:"traceId"`
		ID            string            `json:"id"`
		ParentID      string            `json:"parentId,omitempty"`
		Kind          string            `json:"kind"`
		Name          string            `json:"name"`
		Timestamp     int64             `json:"timestamp"`
		Duration      int64             `json:"duration"`
		Shared        bool              `json:"shared,omitempty"`
		LocalEndpoint ep                `json:"localEndpoint"`
		Tags          map[string]string `json:"tags"`
	}
	out := make([]span, n)
	for i := range out {
		call := i / 2
		kind, svc, shared := "CLIENT", "productpage.default", false
		if i%2 == 1 {
			kind, svc, shared = "SERVER", "reviews.default", true
		}
		out[i] = span{
			TraceID: fmt.Sprintf("%016x%016x", start.UnixNano(), call+1), ID: fmt.Sprintf("%016x", call+1),
			ParentID: "00000000000000aa", Kind: kind, Name: "reviews.default.svc.cluster.local:9080/*",
			Timestamp: start.Add(time.Duration(i) * time.Millisecond).UnixMicro(), Duration: int64(800 + i%1000),
			Shared: shared, LocalEndpoint: ep{svc, "10.0.3.17"},
			Tags: map[string]string{
				"component": "proxy", "guid:x-request-id": fmt.Sprintf("d709b78f-583e-988e-b581-%012x", call),
				"http.method": "GET", "http.protocol": "HTTP/1.1", "http.status_code": "200",
				"http.url": "http://reviews:9080/reviews/0", "node_id": "sidecar~10.0.3.17~productpage-v1",
				"response_flags": "-", "upstream_cluster": "outbound|9080|v1|reviews.default.svc.cluster.local",
				"request_size": "0", "response_size": "295", "user_agent": "python-requests/2.31",
			},
		}
	}
	data, _ := json.Marshal(out) // strings and ints: cannot fail
	return data
}
