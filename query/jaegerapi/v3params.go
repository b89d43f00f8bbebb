package jaegerapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// DefaultSearchDepth is the trace count of a v3 search without
// query.searchDepth, Jaeger's default.
const DefaultSearchDepth = 100

// v3Params resolves v3 query parameters as Jaeger v2 does: the canonical
// camelCase name first, then its deprecated snake_case aliases.
type v3Params url.Values

// get returns the first non-empty value among names and the name it came
// from (the canonical name when none is set).
func (p v3Params) get(names ...string) (value, name string) {
	for _, n := range names {
		if v := url.Values(p).Get(n); v != "" {
			return v, n
		}
	}
	return "", names[0]
}

// v3Search is a parsed GET /api/v3/traces.
type v3Search struct {
	query storage.TraceQuery
	raw   bool
}

// parseV3Search reads query.serviceName, query.operationName,
// query.startTimeMin and query.startTimeMax (RFC 3339, required),
// query.durationMin/Max (Go durations), query.searchDepth,
// query.attributes (a JSON object, or grpc-gateway's map form
// query.attributes[key]=value / query.attributes.key=value) and
// query.rawTraces, or their snake_case aliases.
func parseV3Search(v url.Values) (v3Search, error) {
	p := v3Params(v)
	var s v3Search
	q := &s.query
	q.Service, _ = p.get("query.serviceName", "query.service_name")
	q.Operation, _ = p.get("query.operationName", "query.operation_name")
	if attrs := v.Get("query.attributes"); attrs != "" {
		m, err := parseTagsJSON(attrs)
		if err != nil {
			return s, malformed("query.attributes", err)
		}
		q.Tags = m
	}
	for name, vals := range v {
		key, ok := attributeKey(name)
		if !ok || len(vals) == 0 {
			continue
		}
		if q.Tags == nil {
			q.Tags = map[string]string{}
		}
		q.Tags[key] = vals[len(vals)-1]
	}
	minS, minName := p.get("query.startTimeMin", "query.start_time_min")
	maxS, maxName := p.get("query.startTimeMax", "query.start_time_max")
	if minS == "" || maxS == "" {
		return s, badParamf("query.startTimeMin and query.startTimeMax are required")
	}
	var err error
	if q.Start, err = time.Parse(time.RFC3339Nano, minS); err != nil {
		return s, malformed(minName, err)
	}
	if q.End, err = time.Parse(time.RFC3339Nano, maxS); err != nil {
		return s, malformed(maxName, err)
	}
	if !q.Start.Before(q.End) {
		return s, badParamf("query.startTimeMin must be before query.startTimeMax")
	}
	q.Limit = DefaultSearchDepth
	if d, name := p.get("query.searchDepth", "query.num_traces", "query.search_depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > MaxLimit {
			return s, malformed(name, fmt.Errorf("%q is not an integer in [1, %d]", d, MaxLimit))
		}
		q.Limit = n
	}
	if q.MinDuration, err = v3Duration(p, "query.durationMin", "query.duration_min"); err != nil {
		return s, err
	}
	if q.MaxDuration, err = v3Duration(p, "query.durationMax", "query.duration_max"); err != nil {
		return s, err
	}
	if q.MinDuration != 0 && q.MaxDuration != 0 && q.MaxDuration < q.MinDuration {
		return s, badParamf("query.durationMax must not be less than query.durationMin")
	}
	s.raw, err = v3Bool(p, "query.rawTraces", "query.raw_traces")
	return s, err
}

// attributeKey reads the key of grpc-gateway's map parameter forms.
func attributeKey(name string) (string, bool) {
	if k, ok := strings.CutPrefix(name, "query.attributes["); ok && strings.HasSuffix(k, "]") && len(k) > 1 {
		return k[:len(k)-1], true
	}
	if k, ok := strings.CutPrefix(name, "query.attributes."); ok && k != "" {
		return k, true
	}
	return "", false
}

func v3Duration(p v3Params, names ...string) (time.Duration, error) {
	s, name := p.get(names...)
	if s == "" {
		return 0, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return 0, malformed(name, err)
	}
	return d, nil
}

func v3Bool(p v3Params, names ...string) (bool, error) {
	s, name := p.get(names...)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, malformed(name, err)
	}
	return b, nil
}

// v3Time validates an optional RFC 3339 time parameter.
func v3Time(p v3Params, names ...string) error {
	s, name := p.get(names...)
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return malformed(name, err)
	}
	return nil
}
