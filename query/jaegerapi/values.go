package jaegerapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseTags merges tag=key:value parameters and tags={json object}
// parameters (later ones win). Values in the JSON object may be strings,
// numbers or booleans, compared as their text: Grafana sends {"error":true}.
// Messages are Jaeger's.
func parseTags(simple, jsonTags []string) (map[string]string, error) {
	if len(simple) == 0 && len(jsonTags) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, tag := range simple {
		k, v, ok := strings.Cut(tag, ":")
		if !ok {
			return nil, badParamf("malformed 'tag' parameter, expecting key:value, received: %s", tag)
		}
		out[k] = v
	}
	for _, js := range jsonTags {
		m, err := parseTagsJSON(js)
		if err != nil {
			return nil, badParamf("malformed 'tags' parameter, cannot unmarshal JSON: %w", err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// parseTagsJSON reads a JSON object of scalar values as strings.
func parseTagsJSON(s string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("want a JSON object, got null")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var str string
		switch {
		case json.Unmarshal(v, &str) == nil:
			out[k] = str
		case string(v) == "true" || string(v) == "false" || isJSONNumber(v):
			out[k] = string(v)
		default:
			return nil, fmt.Errorf("value of %q must be a string, number or boolean", k)
		}
	}
	return out, nil
}

func isJSONNumber(v json.RawMessage) bool {
	var n json.Number
	return json.Unmarshal(v, &n) == nil
}

// parseDuration reads a Go duration ("1.5ms", "2s"), as Jaeger's
// minDuration and maxDuration; negative durations are refused.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		err = fmt.Errorf("duration %q is negative", s)
	}
	return d, err
}

// parseLookback reads the Jaeger UI's lookback: a Go duration ("1h",
// "30m") or a whole number of days or weeks ("2d", "1w"). The UI's "custom"
// is not a lookback; callers handle it before calling.
func parseLookback(s string) (time.Duration, error) {
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(s, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(s, "w"):
		unit = 7 * 24 * time.Hour
	default:
		d, err := parseDuration(s)
		if err == nil && d == 0 {
			err = errors.New("lookback must be positive")
		}
		return d, err
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 || n > 10_000 {
		return 0, fmt.Errorf("lookback %q is not a Go duration or 1–10000 days (d) or weeks (w)", s)
	}
	return time.Duration(n) * unit, nil
}

// parseEpoch reads an integer count of units since the epoch (µs for
// trace searches, ms for dependencies).
func parseEpoch(s string, unit time.Duration) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	if n < 0 || n > maxEpoch(unit) {
		return time.Time{}, fmt.Errorf("%d is out of range", n)
	}
	return time.Unix(0, 0).Add(time.Duration(n) * unit).UTC(), nil
}

// maxEpoch is the largest count of units a time.Duration holds.
func maxEpoch(unit time.Duration) int64 { return int64(1<<63-1) / int64(unit) }

func errLimit(s string) error {
	return fmt.Errorf("%q is not an integer in [0, %d]", s, MaxLimit)
}

func errNotPositive(s string, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s is not a positive number of milliseconds", s)
}
