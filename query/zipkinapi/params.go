package zipkinapi

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
)

// Defaults and bounds of trace searches. DefaultLookback is the Zipkin
// server's QUERY_LOOKBACK default (one day).
const (
	DefaultLimit    = 10
	MaxLimit        = 10_000
	DefaultLookback = 24 * time.Hour
)

// traceSearch is a parsed GET /api/v2/traces: what the backend filters
// (query) and what only Zipkin can express and is checked here (post).
type traceSearch struct {
	query storage.TraceQuery
	post  postFilter
}

// parseTraceSearch validates the parameters as Zipkin's QueryRequest does,
// with its messages. endTs and lookback are epoch milliseconds; durations
// are microseconds; spanName "all" means any.
func parseTraceSearch(v url.Values, now time.Time) (traceSearch, error) {
	var ts traceSearch
	q := &ts.query
	q.Service = v.Get("serviceName")
	if q.Operation = v.Get("spanName"); q.Operation == "all" {
		q.Operation = ""
	}
	ts.post.service = q.Service
	ts.post.remoteService = v.Get("remoteServiceName")
	q.Tags, ts.post.words = parseAnnotationQuery(v.Get("annotationQuery"))

	endMs, err := intParam(v, "endTs", now.UnixMilli())
	if err != nil {
		return ts, err
	}
	lookback, err := intParam(v, "lookback", DefaultLookback.Milliseconds())
	if err != nil {
		return ts, err
	}
	limit, err := intParam(v, "limit", DefaultLimit)
	if err != nil {
		return ts, err
	}
	minD, err := intParam(v, "minDuration", 0)
	if err != nil {
		return ts, err
	}
	maxD, err := intParam(v, "maxDuration", 0)
	if err != nil {
		return ts, err
	}
	switch {
	case endMs <= 0:
		return ts, argError("endTs <= 0")
	case limit <= 0:
		return ts, argError("limit <= 0")
	case limit > MaxLimit:
		return ts, argErrorf("limit > %d", MaxLimit)
	case lookback <= 0:
		return ts, argError("lookback <= 0")
	case v.Has("minDuration") && minD <= 0:
		return ts, argError("minDuration <= 0")
	case v.Has("maxDuration") && !v.Has("minDuration"):
		return ts, argError("maxDuration is only valid with minDuration")
	case v.Has("maxDuration") && maxD < minD:
		return ts, argError("maxDuration < minDuration")
	}
	q.End = time.UnixMilli(endMs).UTC()
	q.Start = q.End.Add(-window(endMs, lookback))
	q.MinDuration = scaled(minD, time.Microsecond)
	q.MaxDuration = scaled(maxD, time.Microsecond)
	q.Limit = int(limit)
	return ts, nil
}

// window is a lookback in milliseconds as a duration, limited so that the
// window starts no earlier than the epoch.
func window(endMs, lookbackMs int64) time.Duration {
	return scaled(min(lookbackMs, endMs), time.Millisecond)
}

// scaled is n units, saturating instead of overflowing.
func scaled(n int64, unit time.Duration) time.Duration {
	if n > math.MaxInt64/int64(unit) {
		return math.MaxInt64
	}
	return time.Duration(n) * unit
}

// parseAnnotationQuery splits Zipkin's "http.uri=/foo and retried": terms
// with '=' constrain tags (the last one of a key wins), bare words name an
// annotation value or a tag key. Keys and values are trimmed; empty keys
// are ignored, as Zipkin does.
func parseAnnotationQuery(s string) (tags map[string]string, words []string) {
	if s == "" {
		return nil, nil
	}
	for _, term := range strings.Split(s, " and ") {
		k, val, isTag := strings.Cut(term, "=")
		k = strings.TrimSpace(k)
		switch {
		case k == "":
		case isTag:
			if tags == nil {
				tags = map[string]string{}
			}
			tags[k] = strings.TrimSpace(val)
		default:
			if _, dup := tags[k]; !dup && !contains(words, k) {
				words = append(words, k)
			}
		}
	}
	return tags, words
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func intParam(v url.Values, name string, def int64) (int64, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, argErrorf("%s: %q is not an integer", name, s)
	}
	return n, nil
}

// parseTraceIDs reads traceMany's comma-separated ids: at least two,
// distinct after normalisation (a 32-character id with a zero high half is
// its 16-character low half).
func parseTraceIDs(s string) ([]storage.TraceID, error) {
	if s == "" {
		return nil, argError("traceIds parameter is empty")
	}
	var ids []storage.TraceID
	for _, part := range strings.Split(s, ",") {
		id, err := parseTraceID(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		for _, seen := range ids {
			if seen == id {
				return nil, argErrorf("redundant traceId: %s", part)
			}
		}
		ids = append(ids, id)
	}
	if len(ids) < 2 {
		return nil, argError("Use /api/v2/trace/{traceId} endpoint to retrieve a single trace")
	}
	return ids, nil
}

// parseTraceID reads one id; a malformed one is a 400.
func parseTraceID(s string) (storage.TraceID, error) {
	id, err := tracefmt.ParseTraceID(s)
	if errors.Is(err, tracefmt.ErrTraceID) {
		return id, argError(err.Error())
	}
	return id, err
}

// parseDependencyWindow reads /dependencies' endTs (required) and lookback
// (default DefaultLookback), both epoch milliseconds.
func parseDependencyWindow(v url.Values) (end time.Time, lookback time.Duration, err error) {
	if v.Get("endTs") == "" {
		return end, 0, argError("endTs is required")
	}
	endMs, err := intParam(v, "endTs", 0)
	if err != nil {
		return end, 0, err
	}
	lb, err := intParam(v, "lookback", DefaultLookback.Milliseconds())
	if err != nil {
		return end, 0, err
	}
	if endMs <= 0 {
		return end, 0, argError("endTs <= 0")
	}
	if lb <= 0 {
		return end, 0, argError("lookback <= 0")
	}
	return time.UnixMilli(endMs).UTC(), window(endMs, lb), nil
}

// required returns the named parameter or a 400 naming it.
func required(v url.Values, name string) (string, error) {
	s := v.Get(name)
	if s == "" {
		return "", argErrorf("%s is required", name)
	}
	return s, nil
}
