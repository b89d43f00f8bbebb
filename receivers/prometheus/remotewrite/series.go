package remotewrite

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
)

// checkLabels validates one series' labels as both remote-write versions
// require (names non-empty, strictly sorted, hence unique; names and values
// valid UTF-8 unless checkUTF8 is false because the caller checked; a
// non-empty __name__) and returns the metric name.
func checkLabels(ls []prompb.Label, checkUTF8 bool) (string, error) {
	name := ""
	for i, l := range ls {
		if l.Name == "" {
			return "", errors.New("empty label name")
		}
		if i > 0 {
			switch c := strings.Compare(ls[i-1].Name, l.Name); {
			case c == 0:
				return "", fmt.Errorf("duplicate label name %q", l.Name)
			case c > 0:
				return "", fmt.Errorf("labels not sorted by name: %q after %q", l.Name, ls[i-1].Name)
			}
		}
		if checkUTF8 && !utf8.ValidString(l.Name) {
			return "", fmt.Errorf("label name %q is not valid UTF-8", l.Name)
		}
		if checkUTF8 && !utf8.ValidString(l.Value) {
			return "", fmt.Errorf("value of label %q is not valid UTF-8", l.Name)
		}
		if l.Name == labels.MetricName {
			name = l.Value
		}
	}
	if name == "" {
		return "", errors.New("no __name__ label (or an empty one)")
	}
	return name, nil
}

// Timestamps must survive the trip to pdata's nanoseconds.
const (
	maxMillis = math.MaxInt64 / 1_000_000
	minMillis = math.MinInt64 / 1_000_000
)

// checkTimestamp rejects a millisecond timestamp nanoseconds cannot hold
// (beyond the years 1677–2262).
func checkTimestamp(what string, ms int64) error {
	if ms > maxMillis || ms < minMillis {
		return fmt.Errorf("%s %d ms is out of range", what, ms)
	}
	return nil
}

// maxDescribed bounds how much of a label set an error message repeats.
const maxDescribed = 256

// describe renders a series' labels for an error message, truncated.
func describe(ls []prompb.Label) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range ls {
		if b.Len() > maxDescribed {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if isPlainName(l.Name) {
			b.WriteString(l.Name)
		} else {
			b.WriteString(strconv.QuoteToASCII(l.Name))
		}
		b.WriteByte('=')
		b.WriteString(strconv.QuoteToASCII(l.Value))
	}
	b.WriteByte('}')
	return b.String()
}

// isPlainName reports whether a label name needs no quoting: a legacy
// Prometheus name [a-zA-Z_][a-zA-Z0-9_]*.
func isPlainName(n string) bool {
	for i := range len(n) {
		c := n[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return n != ""
}

// maxReported bounds how many rejected series a response names.
const maxReported = 5

// rejections collects the series of a request that are not written, in
// whole or in part, for one 400 answer after the rest is written.
type rejections struct {
	series  int     // series with a problem
	samples int     // samples not written because of them
	reason  Reason  // of the first problem
	first   []error // the first maxReported problems
}

// add records a problem with the series labelled ls (nil when the problem
// is not a series'), which held samples. Only the first few problems are
// rendered, so that a request of bad series costs no more than a good one.
func (r *rejections) add(reason Reason, samples int, ls []prompb.Label, err error) {
	if r.series == 0 {
		r.reason = reason
	}
	r.series++
	r.samples += samples
	if len(r.first) < maxReported {
		if ls != nil {
			err = fmt.Errorf("series %s: %w", describe(ls), err)
		}
		r.first = append(r.first, err)
	}
}

// err returns the 400 answer for the collected problems, or nil.
func (r *rejections) err() *requestError {
	if r.series == 0 {
		return nil
	}
	msgs := make([]string, len(r.first))
	for i, e := range r.first {
		msgs[i] = e.Error()
	}
	more := ""
	if n := r.series - len(r.first); n > 0 {
		more = fmt.Sprintf("; and %d more", n)
	}
	return reject(http.StatusBadRequest, r.reason, "%d series not written (%d samples); the rest was: %s%s",
		r.series, r.samples, strings.Join(msgs, "; "), more)
}
