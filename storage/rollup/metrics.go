package rollup

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// Istio standard metric series the metrics source reads.
const (
	metricRequests     = "istio_requests_total"
	metricDurationBkt  = "istio_request_duration_milliseconds_bucket"
	metricRequestSize  = "istio_request_bytes_sum"
	metricResponseSize = "istio_response_bytes_sum"
)

// Metrics turns Istio metric samples into rollup rows (source "metrics")
// from counter deltas, as Prometheus' increase() would see them: it keeps
// the previous value of every Istio series in memory; a value below the
// previous one is a counter reset, and the new value is then the delta.
// The first sample of a series (after a start, or after a staleness
// marker) is only a baseline, so a restart loses at most the increase
// between the last sample before and the first after it, and never counts
// anything twice.
//
// It is safe for concurrent use; batches are applied one at a time.
//
// Series that stop without a staleness marker are forgotten once no
// sample of theirs was seen for ForgetAfter (of sample time), so memory
// follows the live series.
type Metrics struct {
	mu        sync.Mutex
	prev      map[uint64]point
	series    map[uint64]*seriesInfo // by labels hash; dropped with prev
	newest    int64                  // newest sample time seen, ms
	lastPrune int64                  // newest when last pruned
}

// maxDelta bounds one increase: float64 counters are exact integers up to
// 2^53, and larger jumps are corrupt data, not traffic.
const maxDelta = 1 << 53

// ForgetAfter is how long (in sample time) Metrics keeps the previous
// value of a series that receives no samples. A series that comes back
// later starts again from a baseline, as after a restart.
const ForgetAfter = time.Hour

type point struct {
	t int64
	v float64
}

// seriesInfo is what Apply derives from a series' labels, once per series.
type seriesInfo struct {
	name   string
	key    storage.RollupKey // Minute unset
	counts storage.RollupCounts
	le     float64 // buckets only
	hist   uint64  // buckets only: the hash of the labels without le
	ok     bool    // an Istio series Apply reads
}

// NewMetrics returns a Metrics with no series seen.
func NewMetrics() *Metrics {
	return &Metrics{prev: map[uint64]point{}, series: map[uint64]*seriesInfo{}}
}

// info returns the cached derivation of ls (hash h).
func (m *Metrics) info(ls labels.Labels, h uint64) *seriesInfo {
	if si := m.series[h]; si != nil {
		return si
	}
	si := &seriesInfo{name: ls.Get(labels.MetricName)}
	switch si.name {
	case metricRequests, metricRequestSize, metricResponseSize:
		si.ok = true
	case metricDurationBkt:
		le, err := strconv.ParseFloat(ls.Get("le"), 64)
		si.ok, si.le = err == nil, le
		si.hist, _ = ls.HashWithoutLabels(nil, "le")
	}
	if si.ok {
		si.key, si.counts = metricKey(ls, 0)
		si.key.Minute = time.Time{}
	}
	m.series[h] = si
	return si
}

// Series is how many Istio series Metrics holds a previous value for.
func (m *Metrics) Series() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.prev)
}

// Apply computes the rollup rows of samples' Istio series and hands them
// to write with a batch id derived from those samples; only when write
// succeeds are the previous values advanced, so a failed batch can be
// retried and is then counted once. Samples not newer than the previous
// one of their series (replays, out-of-order) add nothing. write is not
// called when the batch holds no Istio increase. Apply returns write's
// error.
func (m *Metrics) Apply(ctx context.Context, samples []storage.Sample, write func(ctx context.Context, batchID uint64, rows []storage.Rollup) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := NewBuilder()
	next := map[uint64]point{}
	ended := map[uint64]bool{}
	buckets := map[histKey][]bucketDelta{}
	var id batchHash
	for i := range samples {
		s := &samples[i]
		if !istioName(s.Labels) {
			continue
		}
		h := s.Labels.Hash()
		si := m.info(s.Labels, h)
		if !si.ok {
			continue
		}
		prev, seen := next[h]
		if !seen {
			prev, seen = m.prev[h]
		}
		if value.IsStaleNaN(s.V) {
			delete(next, h)
			ended[h] = true
			continue
		}
		if seen && s.T <= prev.t {
			continue
		}
		if math.IsNaN(s.V) || math.IsInf(s.V, 0) || s.V < 0 {
			continue // not a counter value: ignored, the series keeps its last one
		}
		next[h] = point{s.T, s.V}
		m.newest = max(m.newest, s.T)
		delete(ended, h)
		if !seen {
			continue
		}
		delta := s.V - prev.v
		if delta < 0 {
			delta = s.V // counter reset
		}
		if delta == 0 || delta > maxDelta {
			continue
		}
		id.add(h, s.T, s.V)
		k, counts := si.key, si.counts
		k.Minute = Minute(timeFromMillis(s.T))
		switch si.name {
		case metricRequests:
			n := int64(math.Round(delta))
			counts.Requests *= n
			counts.Errors *= n
			counts.ClientErrors *= n
			counts.MTLSKnown *= n
			counts.MTLSRequests *= n
			b.row(k).RollupCounts.Add(counts)
		case metricRequestSize:
			b.row(k).BytesIn += int64(math.Round(delta))
		case metricResponseSize:
			b.row(k).BytesOut += int64(math.Round(delta))
		case metricDurationBkt:
			hk := histKey{key: k, series: si.hist, t: s.T}
			buckets[hk] = append(buckets[hk], bucketDelta{si.le, delta})
		}
	}
	for hk, bs := range buckets {
		addBuckets(b.row(hk.key), bs)
	}
	if b.Len() > 0 {
		if err := write(ctx, id.sum(), b.Rows()); err != nil {
			return err
		}
	}
	for h, p := range next {
		m.prev[h] = p
	}
	for h := range ended {
		delete(m.prev, h)
		delete(m.series, h)
	}
	m.prune()
	return nil
}

// prune forgets series idle for ForgetAfter, at most every ForgetAfter/4.
func (m *Metrics) prune() {
	if m.newest-m.lastPrune < ForgetAfter.Milliseconds()/4 {
		return
	}
	m.lastPrune = m.newest
	cutoff := m.newest - ForgetAfter.Milliseconds()
	for h, p := range m.prev {
		if p.t < cutoff {
			delete(m.prev, h)
			delete(m.series, h)
		}
	}
}

// istioName reports whether ls is one of the Istio series Apply reads,
// cheaply: by the metric name's prefix.
func istioName(ls labels.Labels) bool {
	name := ls.Get(labels.MetricName)
	return len(name) > 6 && name[:6] == "istio_"
}

type histKey struct {
	key    storage.RollupKey
	series uint64
	t      int64
}

type bucketDelta struct{ le, n float64 }

// addBuckets turns one histogram's cumulative bucket increases into
// per-bucket counts and adds each at the geometric middle of its bucket,
// which bounds the relative error of a quantile by sqrt(upper/lower)−1
// (for the first bucket, whose lower bound is 0, and +Inf, by 1, which is
// what LatencyError records).
func addBuckets(r *storage.Rollup, bs []bucketDelta) {
	slices.SortFunc(bs, func(a, b bucketDelta) int {
		if a.le < b.le {
			return -1
		}
		if a.le > b.le {
			return 1
		}
		return 0
	})
	lower, below := 0.0, 0.0
	for _, bd := range bs {
		n := math.Round(bd.n - below)
		below = math.Max(below, bd.n)
		if n > 0 {
			v, relErr := lower, 1.0
			switch {
			case math.IsInf(bd.le, 1):
			case lower > 0:
				v = math.Sqrt(lower * bd.le)
				relErr = math.Sqrt(bd.le/lower) - 1
			default:
				v = bd.le / 2
			}
			_ = r.Latency.AddWithCount(v, n)
			r.LatencyError = math.Max(r.LatencyError, relErr+storage.SketchRelativeAccuracy)
		}
		if !math.IsInf(bd.le, 1) {
			lower = bd.le
		}
	}
}

// metricKey is the rollup key and per-request outcome of an Istio series,
// from Istio's standard labels.
func metricKey(ls labels.Labels, t int64) (storage.RollupKey, storage.RollupCounts) {
	// The first label present decides; Istio's "unknown" means unknown.
	get := func(names ...string) string {
		for _, n := range names {
			if v := ls.Get(n); v != "" {
				if v == "unknown" {
					return ""
				}
				return v
			}
		}
		return ""
	}
	code64, _ := strconv.ParseInt(ls.Get("response_code"), 10, 32)
	code := int32(code64)
	flags := ls.Get("response_flags")
	if flags == "-" {
		flags = ""
	}
	k := storage.RollupKey{
		Minute:    Minute(timeFromMillis(t)),
		CodeClass: codeClass(code),
		Source:    storage.RollupSourceMetrics,
		Reporter:  reporter(ls.Get("reporter")),
		Edge: storage.Edge{
			SourceService:        orUnknown(get("source_canonical_service", "source_app", "source_workload")),
			SourceNamespace:      get("source_workload_namespace"),
			SourceVersion:        get("source_canonical_revision", "source_version"),
			DestinationService:   destinationService(ls),
			DestinationNamespace: get("destination_service_namespace", "destination_workload_namespace"),
			DestinationVersion:   get("destination_canonical_revision", "destination_version"),
			Protocol:             metricProtocol(ls.Get("request_protocol")),
		},
	}
	if k.Edge.SourceVersion == "latest" {
		k.Edge.SourceVersion = ""
	}
	if k.Edge.DestinationVersion == "latest" {
		k.Edge.DestinationVersion = ""
	}
	c := outcome(code, flags)
	switch ls.Get("connection_security_policy") {
	case "mutual_tls":
		c.MTLSKnown, c.MTLSRequests = 1, 1
	case "none":
		c.MTLSKnown = 1
	}
	return k, c
}

// destinationService prefers the Kubernetes service name (as access logs
// derive it from the cluster name), then the canonical service; a
// destination_service that is not cluster-local (an external host) is kept
// whole.
func destinationService(ls labels.Labels) string {
	for _, n := range []string{"destination_service_name", "destination_canonical_service", "destination_app"} {
		if v := ls.Get(n); v != "" {
			return v // "unknown" included
		}
	}
	if v := ls.Get("destination_service"); v != "" && v != "unknown" {
		name, _ := cluster.ServiceNamespace(v)
		return name
	}
	return cluster.Unknown
}

func metricProtocol(p string) string {
	switch p {
	case "grpc", "tcp":
		return p
	default:
		return "http"
	}
}
