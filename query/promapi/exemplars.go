package promapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
)

// queryExemplars serves /api/v1/query_exemplars: the exemplars of the
// series selected by `query` between start and end (default: all time).
// A Queryable without the optional storage.ExemplarQueryable ability has
// no exemplars and answers []. A query without selectors answers 204, as
// Prometheus does.
func (a *API) queryExemplars(r *http.Request) result {
	start, err := parseTimeParam(r, "start", minTime)
	if err != nil {
		return errResult(invalidParam(err, "start"))
	}
	end, err := parseTimeParam(r, "end", maxTime)
	if err != nil {
		return errResult(invalidParam(err, "end"))
	}
	if end.Before(start) {
		return errResult(badData(errors.New("end timestamp must not be before start timestamp")))
	}
	expr, err := a.parser.ParseExpr(r.FormValue("query"))
	if err != nil {
		return errResult(badData(err))
	}
	selectors := parser.ExtractSelectors(expr)
	if len(selectors) == 0 {
		return result{}
	}

	eqa, ok := a.queryable.(storage.ExemplarQueryable)
	if !ok {
		return result{data: []exemplar.QueryResult{}}
	}
	eq, err := eqa.ExemplarQuerier(r.Context())
	if err != nil {
		return errResult(classify(fmt.Errorf("open exemplar querier: %w", err)))
	}
	res, err := eq.Select(timestamp.FromTime(start), timestamp.FromTime(end), selectors...)
	if err != nil {
		return errResult(classify(fmt.Errorf("select exemplars: %w", err)))
	}
	if res == nil {
		res = []exemplar.QueryResult{}
	}
	return result{data: res}
}
