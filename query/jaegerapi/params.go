package jaegerapi

import (
	"net/url"
	"strconv"
	"time"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
)

// Defaults and bounds of v1 queries, Jaeger's own where it has them.
const (
	DefaultLimit              = 100
	MaxLimit                  = 10_000
	DefaultSearchLookback     = 48 * time.Hour
	DefaultDependencyLookback = 24 * time.Hour
)

// search is a parsed GET /api/traces: either trace ids to fetch or a query.
type search struct {
	query    storage.TraceQuery
	traceIDs []storage.TraceID
}

// parseSearch reads Jaeger's trace search parameters: service (required
// unless traceID is given), operation, tag=k:v and tags={json}, minDuration
// and maxDuration (Go durations), start and end (epoch µs), lookback ("1h",
// "2d"; "custom" or absent means start and end decide), limit, traceID
// (repeatable). Without start, the window is lookback, or two days, before
// end (default now).
func parseSearch(v url.Values, now time.Time) (search, error) {
	var s search
	for _, raw := range v["traceID"] {
		id, err := tracefmt.ParseTraceID(raw)
		if err != nil {
			return s, badParamf("cannot parse traceID param: %w", err)
		}
		s.traceIDs = append(s.traceIDs, id)
	}
	q := &s.query
	q.Service, q.Operation = v.Get("service"), v.Get("operation")
	var err error
	if q.End, err = epochParam(v, "end", time.Microsecond, now); err != nil {
		return s, err
	}
	back := DefaultSearchLookback
	if lb := v.Get("lookback"); lb != "" && lb != "custom" {
		if back, err = parseLookback(lb); err != nil {
			return s, parseError("lookback", err)
		}
	}
	if q.Start, err = epochParam(v, "start", time.Microsecond, q.End.Add(-back)); err != nil {
		return s, err
	}
	if q.Tags, err = parseTags(v["tag"], v["tags"]); err != nil {
		return s, err
	}
	if q.Limit, err = limitParam(v, "limit", DefaultLimit); err != nil {
		return s, err
	}
	if q.MinDuration, err = durationParam(v, "minDuration"); err != nil {
		return s, err
	}
	if q.MaxDuration, err = durationParam(v, "maxDuration"); err != nil {
		return s, err
	}
	switch {
	case len(s.traceIDs) == 0 && q.Service == "":
		return s, errServiceRequired
	case q.MinDuration != 0 && q.MaxDuration != 0 && q.MaxDuration < q.MinDuration:
		return s, badParamf("'maxDuration' should be greater than 'minDuration'")
	}
	return s, nil
}

// parseDependencyWindow reads /api/dependencies' endTs (epoch ms, default
// now) and lookback (ms, default one day).
func parseDependencyWindow(v url.Values, now time.Time) (end time.Time, lookback time.Duration, err error) {
	if end, err = epochParam(v, "endTs", time.Millisecond, now); err != nil {
		return
	}
	lookback = DefaultDependencyLookback
	if s := v.Get("lookback"); s != "" {
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || n <= 0 || n > maxEpoch(time.Millisecond) {
			return end, 0, parseError("lookback", errNotPositive(s, perr))
		}
		lookback = time.Duration(n) * time.Millisecond
	}
	return end, lookback, nil
}

// parseSpanKind reads a span kind filter: server, client, producer,
// consumer, internal, or empty for all. internal is the stored "".
func parseSpanKind(name, s string) (kind storage.SpanKind, internal bool, err error) {
	switch s {
	case "", "server", "client", "producer", "consumer":
		return storage.SpanKind(s), false, nil
	case "internal":
		return "", true, nil
	}
	return "", false, badParamf("unable to parse param '%s': unsupported span kind %q", name, s)
}

func epochParam(v url.Values, name string, unit time.Duration, def time.Time) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	t, err := parseEpoch(s, unit)
	if err != nil {
		return t, parseError(name, err)
	}
	return t, nil
}

func durationParam(v url.Values, name string) (time.Duration, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return 0, parseError(name, err)
	}
	return d, nil
}

func limitParam(v url.Values, name string, def int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxLimit {
		return 0, parseError(name, errLimit(s))
	}
	if n == 0 {
		return def, nil
	}
	return n, nil
}
