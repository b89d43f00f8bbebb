package graph

import (
	"time"

	"github.com/meshlens/meshlens/storage"
)

// RED is request rate, errors and duration of a node, edge or service over
// a window, in the JSON shape of the graph API (field names shared with
// /red). Latencies are milliseconds from the rollups' sketches;
// RelativeError bounds their relative error (storage.SketchRelativeAccuracy
// for logs and spans, the histogram buckets' resolution for metrics).
type RED struct {
	Requests         int64   `json:"requests"`
	Rate             float64 `json:"rate"`
	Errors           int64   `json:"errors"`
	ErrorRatio       float64 `json:"error_ratio"`
	ClientErrors     int64   `json:"client_errors"`
	ClientErrorRatio float64 `json:"client_error_ratio"`
	P50              float64 `json:"p50_ms"`
	P90              float64 `json:"p90_ms"`
	P99              float64 `json:"p99_ms"`
	RelativeError    float64 `json:"relative_error"`
	BytesInPerSec    float64 `json:"bytes_in_per_sec"`
	BytesOutPerSec   float64 `json:"bytes_out_per_sec"`
}

// redOf summarizes an aggregate over a window of the given length.
func redOf(a *storage.RollupAggregate, window time.Duration) RED {
	secs := window.Seconds()
	r := RED{Requests: a.Requests, Errors: a.Errors, ClientErrors: a.ClientErrors}
	if secs > 0 {
		r.Rate = float64(a.Requests) / secs
		r.BytesInPerSec = float64(a.BytesIn) / secs
		r.BytesOutPerSec = float64(a.BytesOut) / secs
	}
	if a.Requests > 0 {
		r.ErrorRatio = float64(a.Errors) / float64(a.Requests)
		r.ClientErrorRatio = float64(a.ClientErrors) / float64(a.Requests)
	}
	if a.Latency != nil && a.Latency.GetCount() > 0 {
		r.P50 = storage.SketchQuantile(a.Latency, 0.5)
		r.P90 = storage.SketchQuantile(a.Latency, 0.9)
		r.P99 = storage.SketchQuantile(a.Latency, 0.99)
		r.RelativeError = a.LatencyError
	}
	return r
}
