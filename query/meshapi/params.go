package meshapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/query/promapi"
)

// DefaultWindow is the RED and search window when start is absent.
const DefaultWindow = time.Hour

// window parses start and end (RFC 3339 or Unix seconds, as Prometheus);
// end defaults to now and start to end minus DefaultWindow.
func window(r *http.Request, now time.Time) (start, end time.Time, err error) {
	end, err = timeParam(r, "end", now)
	if err != nil {
		return
	}
	start, err = timeParam(r, "start", end.Add(-DefaultWindow))
	if err != nil {
		return
	}
	if end.Before(start) {
		err = fmt.Errorf("%w: end %s is before start %s", errBadParam, end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return
}

func timeParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.FormValue(name)
	if v == "" {
		return def, nil
	}
	t, err := promapi.ParseTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s: %w", errBadParam, name, err)
	}
	return t, nil
}

func intParam(r *http.Request, name string, min, max int) (int, error) {
	v := r.FormValue(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%w: %s: %q is not an integer in [%d, %d]", errBadParam, name, v, min, max)
	}
	return n, nil
}

// codeClass parses "5xx"/"5" into 5.
func codeClass(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	s := strings.TrimSuffix(strings.ToLower(v), "xx")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("%w: class: %q is not one of 1xx..5xx", errBadParam, v)
	}
	return n, nil
}

func oneOf(r *http.Request, name, def string, allowed ...string) (string, error) {
	v := r.FormValue(name)
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: %s: %q is not one of %s", errBadParam, name, v, strings.Join(allowed, ", "))
}
