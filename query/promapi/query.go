package promapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/util/httputil"
	"github.com/prometheus/prometheus/util/stats"
)

// maxPointsPerSeries bounds a range query's steps, as Prometheus does:
// enough for 60s resolution over a week or 1h over a year.
const maxPointsPerSeries = 11000

// query serves /api/v1/query: query, time (default now), timeout, limit,
// stats, lookback_delta.
func (a *API) query(r *http.Request) result {
	limit, err := parseLimit(r.FormValue("limit"))
	if err != nil {
		return errResult(invalidParam(err, "limit"))
	}
	ts, err := parseTimeParam(r, "time", a.now())
	if err != nil {
		return errResult(invalidParam(err, "time"))
	}
	return a.runQuery(r, limit, func(ctx context.Context, opts promql.QueryOpts) (promql.Query, error) {
		return a.engine.NewInstantQuery(ctx, a.queryable, opts, r.FormValue("query"), ts)
	})
}

// queryRange serves /api/v1/query_range: query, start, end, step,
// timeout, limit, stats, lookback_delta.
func (a *API) queryRange(r *http.Request) result {
	limit, err := parseLimit(r.FormValue("limit"))
	if err != nil {
		return errResult(invalidParam(err, "limit"))
	}
	start, err := ParseTime(r.FormValue("start"))
	if err != nil {
		return errResult(invalidParam(err, "start"))
	}
	end, err := ParseTime(r.FormValue("end"))
	if err != nil {
		return errResult(invalidParam(err, "end"))
	}
	if end.Before(start) {
		return errResult(invalidParam(errors.New("end timestamp must not be before start time"), "end"))
	}
	step, err := ParseDuration(r.FormValue("step"))
	if err != nil {
		return errResult(invalidParam(err, "step"))
	}
	if step <= 0 {
		return errResult(invalidParam(errors.New("zero or negative query resolution step widths are not accepted. Try a positive integer"), "step"))
	}
	if end.Sub(start)/step > maxPointsPerSeries {
		return errResult(badData(errors.New("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")))
	}
	return a.runQuery(r, limit, func(ctx context.Context, opts promql.QueryOpts) (promql.Query, error) {
		return a.engine.NewRangeQuery(ctx, a.queryable, opts, r.FormValue("query"), start, end, step)
	})
}

// runQuery is what instant and range queries share once their own
// parameters are valid: the common parameters, building, running,
// truncating and rendering stats. On success the query is closed by the
// result's finalizer, after its result has been written.
func (a *API) runQuery(r *http.Request, limit int, build func(context.Context, promql.QueryOpts) (promql.Query, error)) (res result) {
	ctx := r.Context()
	timeout, apiErr := queryTimeout(r)
	if apiErr != nil {
		return errResult(apiErr)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, a.now().Add(timeout))
		defer cancel()
	}
	opts, err := queryOpts(r)
	if err != nil {
		return errResult(badData(err))
	}

	qry, err := build(ctx, opts)
	if err != nil {
		return errResult(constructionError(err))
	}
	// From here on, qry is closed either by the finalizer or, when there is
	// none (panic included), right here.
	defer func() {
		if res.finalizer == nil {
			qry.Close()
		}
	}()

	out := qry.Exec(httputil.ContextFromRequest(ctx, r))
	if out.Err != nil {
		return result{err: classify(out.Err), warnings: out.Warnings, finalizer: qry.Close}
	}
	warnings := out.Warnings
	if limit > 0 && truncate(out, limit) {
		warnings = warnings.Add(errors.New("results truncated due to limit"))
	}
	statsParam := r.FormValue("stats")
	if err := statsParamWarning(statsParam); err != nil {
		warnings = warnings.Add(err)
	}
	var qs stats.QueryStats
	if statsParam != "" {
		qs = stats.NewQueryStats(qry.Stats())
	}
	return result{
		data:      &queryData{ResultType: out.Value.Type(), Result: out.Value, Stats: qs},
		warnings:  warnings,
		finalizer: qry.Close,
	}
}

// queryTimeout parses `timeout`; zero when absent. It can only shorten
// Options.Timeout, which the engine applies anyway.
func queryTimeout(r *http.Request) (time.Duration, *apiError) {
	v := r.FormValue("timeout")
	if v == "" {
		return 0, nil
	}
	timeout, err := ParseDuration(v)
	if err != nil {
		return 0, invalidParam(err, "timeout")
	}
	if timeout <= 0 {
		return 0, invalidParam(fmt.Errorf("timeout must be positive, got %s", timeout), "timeout")
	}
	return timeout, nil
}

// queryOpts reads the per-query engine options: lookback_delta, per-step
// stats (stats=all) and the X-Prometheus-Use-Start-Timestamps header.
func queryOpts(r *http.Request) (promql.QueryOpts, error) {
	var lookback time.Duration
	if v := r.FormValue("lookback_delta"); v != "" {
		d, err := ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("error parsing lookback delta duration: %w", err)
		}
		lookback = d
	}
	var useStartTimestamps *bool
	if v := r.Header.Get("X-Prometheus-Use-Start-Timestamps"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("error parsing X-Prometheus-Use-Start-Timestamps header: %w", err)
		}
		useStartTimestamps = &b
	}
	return promql.NewPrometheusQueryOpts(r.FormValue("stats") == "all", lookback, useStartTimestamps), nil
}

// statsParamWarning warns about `stats` values other than "true" and
// "all": Prometheus still treats any non-empty value as "true", and
// deprecates it with this exact message.
func statsParamWarning(s string) error {
	switch s {
	case "", "true", "all":
		return nil
	}
	return fmt.Errorf("value %q for parameter \"stats\" is deprecated and will be rejected in the next major release, use %q or %q", s, "true", "all")
}

// truncate keeps the first limit series of a vector or matrix result and
// reports whether it dropped any. Scalars and strings are left alone.
func truncate(res *promql.Result, limit int) bool {
	switch v := res.Value.(type) {
	case promql.Matrix:
		if len(v) > limit {
			res.Value = v[:limit]
			return true
		}
	case promql.Vector:
		if len(v) > limit {
			res.Value = v[:limit]
			return true
		}
	}
	return false
}

// formatQuery serves /api/v1/format_query: the query, pretty-printed.
func (a *API) formatQuery(r *http.Request) result {
	expr, err := a.parser.ParseExpr(r.FormValue("query"))
	if err != nil {
		return errResult(invalidParam(err, "query"))
	}
	return result{data: expr.Pretty(0)}
}
