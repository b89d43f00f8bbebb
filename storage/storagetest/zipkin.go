package storagetest

import (
	"fmt"
	"time"
)

// EnvoyZipkinBatch is a Zipkin v2 JSON batch of n Envoy-like spans (client
// and shared server halves of n/2 calls, Envoy's tags), starting at start.
// It is written straight into one buffer, so that a benchmark's input
// leaves little garbage for the GC it measures.
func EnvoyZipkinBatch(n int, start time.Time) []byte {
	b := make([]byte, 0, n*720)
	b = append(b, '[')
	for i := range n {
		call := i / 2
		kind, svc, shared := "CLIENT", "productpage.default", ""
		if i%2 == 1 {
			kind, svc, shared = "SERVER", "reviews.default", `"shared":true,`
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"traceId":"%016x%016x","id":"%016x","parentId":"00000000000000aa","kind":%q,`+
			`"name":"reviews.default.svc.cluster.local:9080/*","timestamp":%d,"duration":%d,%s`+
			`"localEndpoint":{"serviceName":%q,"ipv4":"10.0.3.17"},"tags":{"component":"proxy",`+
			`"guid:x-request-id":"d709b78f-583e-988e-b581-%012x","http.method":"GET","http.protocol":"HTTP/1.1",`+
			`"http.status_code":"200","http.url":"http://reviews:9080/reviews/0","node_id":"sidecar~10.0.3.17~productpage-v1",`+
			`"request_size":"0","response_flags":"-","response_size":"295",`+
			`"upstream_cluster":"outbound|9080|v1|reviews.default.svc.cluster.local","user_agent":"python-requests/2.31"}}`,
			start.UnixNano(), call+1, call+1, kind, start.Add(time.Duration(i)*time.Millisecond).UnixMicro(), 800+i%1000, shared,
			svc, call)
	}
	return append(b, ']')
}
