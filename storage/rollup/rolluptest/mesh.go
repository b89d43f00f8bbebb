// Package rolluptest generates a fixture mesh's traffic as all three
// sources see it — access logs from both proxies, client and server spans,
// and Istio metric samples — so that graph tests and benchmarks feed the
// rollup builder the same calls three ways.
package rolluptest

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/meshlens/meshlens/storage"
)

// Call is a steady stream of identical calls from one workload to another.
type Call struct {
	From, FromNS, FromVer string // From "" or "unknown": a caller outside the mesh
	To, ToNS, ToVer       string // ToNS "": an external host
	PerMinute             int
	Code                  int32
	Flags                 string
	MedianMillis          float64
	// Which sources see the call: the access logs of each proxy that has
	// one (a caller outside the mesh has none), spans (SpanEvery > 1 keeps
	// every n-th call, as sampling would), Istio metrics.
	Logs, Metrics bool
	SpanEvery     int // 0: no spans
	MTLS          bool
}

// Mesh is a set of calls.
type Mesh []Call

// Bookinfo is Istio's sample application seen through all three sources,
// except that ratings is not traced (its edge has no spans), the external
// call has neither spans nor metrics, and reviews v2's calls are traced at
// half rate (their span counts disagree with the others).
var Bookinfo = Mesh{
	{From: "istio-ingressgateway", FromNS: "istio-system", To: "productpage", ToNS: "default", ToVer: "v1",
		PerMinute: 60, Code: 200, MedianMillis: 40, Logs: true, Metrics: true, SpanEvery: 1, MTLS: true},
	{From: "productpage", FromNS: "default", FromVer: "v1", To: "reviews", ToNS: "default", ToVer: "v1",
		PerMinute: 30, Code: 200, MedianMillis: 8, Logs: true, Metrics: true, SpanEvery: 1, MTLS: true},
	{From: "productpage", FromNS: "default", FromVer: "v1", To: "reviews", ToNS: "default", ToVer: "v2",
		PerMinute: 27, Code: 200, MedianMillis: 12, Logs: true, Metrics: true, SpanEvery: 2, MTLS: true},
	{From: "productpage", FromNS: "default", FromVer: "v1", To: "reviews", ToNS: "default", ToVer: "v2",
		PerMinute: 3, Code: 503, Flags: "UF", MedianMillis: 1, Logs: true, Metrics: true, SpanEvery: 2, MTLS: true},
	{From: "productpage", FromNS: "default", FromVer: "v1", To: "details", ToNS: "default", ToVer: "v1",
		PerMinute: 40, Code: 200, MedianMillis: 3, Logs: true, Metrics: true, SpanEvery: 1, MTLS: false},
	{From: "productpage", FromNS: "default", FromVer: "v1", To: "details", ToNS: "default", ToVer: "v1",
		PerMinute: 8, Code: 404, MedianMillis: 2, Logs: true, Metrics: true, SpanEvery: 1, MTLS: false},
	{From: "reviews", FromNS: "default", FromVer: "v2", To: "ratings", ToNS: "default", ToVer: "v1",
		PerMinute: 20, Code: 200, MedianMillis: 4, Logs: true, Metrics: true},
	{From: "unknown", To: "productpage", ToNS: "default", ToVer: "v1",
		PerMinute: 5, Code: 200, MedianMillis: 30, Logs: true, Metrics: true, SpanEvery: 1},
	{From: "productpage", FromNS: "default", FromVer: "v1", To: "api.example.com",
		PerMinute: 6, Code: 200, MedianMillis: 90, Logs: true},
}

// Generate returns a mesh of n services in namespace "default", each
// calling the next two (as istiotest.Generate), seen by every source.
func Generate(n int) Mesh {
	m := make(Mesh, 0, 2*n)
	for i := range n {
		for j := 1; j <= 2; j++ {
			m = append(m, Call{From: fmt.Sprintf("svc-%d", i), FromNS: "default", FromVer: "v1",
				To: fmt.Sprintf("svc-%d", (i+j)%n), ToNS: "default", ToVer: fmt.Sprintf("v%d", j),
				PerMinute: 10 + i%7, Code: 200, MedianMillis: float64(5 + j), Logs: true, Metrics: true, SpanEvery: 1, MTLS: true})
		}
	}
	return m
}

func (c *Call) outside() bool { return c.From == "" || c.From == "unknown" }

// duration of the k-th call of a minute: spread around the median.
func (c *Call) duration(k int) time.Duration {
	f := 0.5 + float64(k%10)/6 // 0.5 .. 2
	return time.Duration(c.MedianMillis * f * float64(time.Millisecond))
}

// calls calls f for each call of each minute from base, in time order per
// Call: i is the call's index in the mesh, k its index in its minute.
func (m Mesh) calls(base time.Time, minutes int, f func(i int, c *Call, at time.Time, k int)) {
	for min := range minutes {
		for i := range m {
			c := &m[i]
			for k := range c.PerMinute {
				at := base.Add(time.Duration(min)*time.Minute + time.Duration(k)*time.Minute/time.Duration(c.PerMinute+1))
				f(i, c, at, k)
			}
		}
	}
}

// AccessLogs are the records of every proxy that logs the calls, with
// derived sources and destinations as storage/cluster derives them.
func (m Mesh) AccessLogs(base time.Time, minutes int) []storage.AccessLog {
	var out []storage.AccessLog
	m.calls(base, minutes, func(i int, c *Call, at time.Time, k int) {
		if !c.Logs {
			return
		}
		rec := storage.AccessLog{
			Start: at, DurationMicros: c.duration(k).Microseconds(), Method: "GET", Path: "/", Protocol: "HTTP/1.1",
			ResponseCode: c.Code, ResponseFlags: c.Flags, BytesReceived: 100, BytesSent: 1000,
			RequestID:     fmt.Sprintf("req-%d-%d-%d", i, at.Unix(), k),
			SourceService: c.From, SourceNamespace: c.FromNS, SourceVersion: c.FromVer,
			DestinationService: c.To, DestinationNamespace: c.ToNS, DestinationVersion: c.ToVer,
		}
		if c.outside() {
			rec.SourceService, rec.SourceNamespace, rec.SourceVersion = "unknown", "", ""
		} else {
			src := rec
			src.Reporter = storage.Reporter{Direction: "source", Service: c.From, Namespace: c.FromNS, Version: c.FromVer}
			src.UpstreamCluster = fmt.Sprintf("outbound|9080|%s|%s", c.ToVer, fqdn(c.To, c.ToNS))
			out = append(out, src)
		}
		if c.ToNS != "" { // an external host has no proxy
			dst := rec
			dst.Reporter = storage.Reporter{Direction: "destination", Service: c.To, Namespace: c.ToNS, Version: c.ToVer}
			dst.UpstreamCluster = "inbound|9080||"
			if c.MTLS {
				dst.SNI = "outbound_.9080_." + c.ToVer + "_." + fqdn(c.To, c.ToNS)
			}
			out = append(out, dst)
		}
	})
	return out
}

func fqdn(svc, ns string) string {
	if ns == "" {
		return svc
	}
	return svc + "." + ns + ".svc.cluster.local"
}

// Spans are a client span per traced call (when the caller is in the
// mesh) and a server span, named as Istio's proxies name them.
func (m Mesh) Spans(base time.Time, minutes int) []storage.Span {
	var out []storage.Span
	m.calls(base, minutes, func(i int, c *Call, at time.Time, k int) {
		if c.SpanEvery == 0 || k%c.SpanEvery != 0 {
			return
		}
		trace := storage.TraceID{High: uint64(i + 1), Low: uint64(at.UnixNano())}
		d := c.duration(k).Microseconds()
		var parent uint64
		if !c.outside() {
			parent = uint64(at.UnixNano())*64 + uint64(i)*2 + 1
			out = append(out, storage.Span{TraceID: trace, SpanID: parent, Service: c.From + "." + c.FromNS,
				Name: c.To + ":9080/*", Kind: "client", Start: at, DurationMicros: d, HTTPMethod: "GET", HTTPStatus: c.Code,
				ResponseFlags: c.Flags, UpstreamCluster: fmt.Sprintf("outbound|9080|%s|%s", c.ToVer, fqdn(c.To, c.ToNS)),
				Attrs: []storage.KeyValue{{Key: "istio.canonical_revision", Value: orLatest(c.FromVer)},
					{Key: "istio.canonical_service", Value: c.From}, {Key: "istio.namespace", Value: c.FromNS},
					{Key: "request_size", Value: "100"}, {Key: "response_size", Value: "1000"}}})
		}
		out = append(out, storage.Span{TraceID: trace, SpanID: uint64(at.UnixNano())*64 + uint64(i)*2 + 2, ParentID: parent,
			Service: c.To + "." + c.ToNS, Name: c.To + ":9080/*", Kind: "server", Start: at, DurationMicros: d,
			HTTPMethod: "GET", HTTPStatus: c.Code, ResponseFlags: c.Flags, UpstreamCluster: "inbound|9080||",
			Attrs: []storage.KeyValue{{Key: "istio.canonical_revision", Value: c.ToVer},
				{Key: "istio.canonical_service", Value: c.To}, {Key: "istio.namespace", Value: c.ToNS},
				{Key: "request_size", Value: "100"}, {Key: "response_size", Value: "1000"}}})
	})
	return out
}

func orLatest(v string) string {
	if v == "" {
		return "latest"
	}
	return v
}

// Buckets are Envoy's default histogram bounds, as Istio exposes them.
var Buckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
	30000, 60000, 300000, 600000, 1800000, 3600000, math.Inf(1)}

// Samples are what a scrape of each reporting proxy would give at the end
// of each minute (and a zero baseline just before base): cumulative
// istio_requests_total, duration buckets and request/response byte sums
// per reporter, in time order.
func (m Mesh) Samples(base time.Time, minutes int) []storage.Sample {
	type series struct {
		count   float64
		buckets []float64
	}
	state := map[[2]int]*series{} // (call, reporter)
	var out []storage.Sample
	emit := func(t time.Time) {
		for i := range m {
			c := &m[i]
			if !c.Metrics {
				continue
			}
			for r, rep := range []string{"source", "destination"} {
				if rep == "source" && c.outside() {
					continue
				}
				s := state[[2]int{i, r}]
				if s == nil {
					s = &series{buckets: make([]float64, len(Buckets))}
					state[[2]int{i, r}] = s
				}
				base := c.labels(rep)
				ms := t.UnixMilli()
				out = append(out, sample(base, "istio_requests_total", ms, s.count))
				for b, le := range Buckets {
					lb := labels.NewBuilder(base)
					lb.Set("le", fmtLe(le))
					out = append(out, sample(lb.Labels(), "istio_request_duration_milliseconds_bucket", ms, s.buckets[b]))
				}
				out = append(out, sample(base, "istio_request_bytes_sum", ms, 100*s.count),
					sample(base, "istio_response_bytes_sum", ms, 1000*s.count))
			}
		}
	}
	emit(base.Add(-time.Second))
	for min := range minutes {
		for i := range m {
			c := &m[i]
			for k := range c.PerMinute {
				d := float64(c.duration(k).Microseconds()) / 1000
				for r := range 2 {
					if s := state[[2]int{i, r}]; s != nil {
						s.count++
						for b, le := range Buckets {
							if d <= le {
								s.buckets[b]++
							}
						}
					}
				}
			}
		}
		emit(base.Add(time.Duration(min+1)*time.Minute - time.Millisecond))
	}
	slices.SortStableFunc(out, func(a, b storage.Sample) int { return int(a.T - b.T) })
	return out
}

func fmtLe(le float64) string {
	if math.IsInf(le, 1) {
		return "+Inf"
	}
	return fmt.Sprint(le)
}

func sample(base labels.Labels, name string, ms int64, v float64) storage.Sample {
	lb := labels.NewBuilder(base)
	lb.Set(labels.MetricName, name)
	return storage.Sample{Labels: lb.Labels(), T: ms, V: v}
}

// labels are Istio's standard labels of c as rep reports it.
func (c *Call) labels(rep string) labels.Labels {
	security := "unknown"
	if rep == "destination" {
		security = "none"
		if c.MTLS {
			security = "mutual_tls"
		}
	}
	from, fromNS, fromVer := c.From, c.FromNS, c.FromVer
	if c.outside() {
		from, fromNS, fromVer = "unknown", "unknown", "unknown"
	}
	flags := c.Flags
	if flags == "" {
		flags = "-"
	}
	return labels.FromStrings(
		"reporter", rep,
		"source_workload", from+"-"+orUnknown(fromVer), "source_canonical_service", from,
		"source_canonical_revision", orLatest(fromVer), "source_workload_namespace", fromNS,
		"source_app", from, "source_version", fromVer,
		"destination_workload", c.To+"-"+c.ToVer, "destination_workload_namespace", c.ToNS,
		"destination_service", fqdn(c.To, c.ToNS), "destination_service_name", c.To,
		"destination_service_namespace", c.ToNS, "destination_canonical_service", c.To,
		"destination_canonical_revision", c.ToVer, "destination_version", c.ToVer,
		"request_protocol", "http", "response_code", fmt.Sprint(c.Code), "response_flags", flags,
		"connection_security_policy", security)
}

func orUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}
