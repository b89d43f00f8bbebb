package promapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// checkContextEvery is how many series a scan reads between checks of the
// request's context.
const checkContextEvery = 128

var errTruncated = errors.New("results truncated due to limit")

// selection is what the series, labels and label values endpoints share:
// limit, start, end (default: all time) and match[].
type selection struct {
	limit      int
	start, end time.Time
	matchers   [][]*labels.Matcher
}

// parseSelection reads the shared parameters, as Prometheus orders them;
// badMatch types a match[] error (series reports it as an invalid
// parameter, the labels endpoints as bare bad data).
func (a *API) parseSelection(r *http.Request, badMatch func(error) *apiError) (selection, *apiError) {
	var (
		sel selection
		err error
	)
	if sel.limit, err = parseLimit(r.FormValue("limit")); err != nil {
		return sel, invalidParam(err, "limit")
	}
	if sel.start, err = parseTimeParam(r, "start", minTime); err != nil {
		return sel, invalidParam(err, "start")
	}
	if sel.end, err = parseTimeParam(r, "end", maxTime); err != nil {
		return sel, invalidParam(err, "end")
	}
	if sel.matchers, err = a.parseMatchers(r.Form["match[]"]); err != nil {
		return sel, badMatch(err)
	}
	return sel, nil
}

// querier opens a querier over the selection's time range; the result's
// finalizer must close it.
func (a *API) querier(sel selection) (storage.Querier, *apiError) {
	q, err := a.queryable.Querier(timestamp.FromTime(sel.start), timestamp.FromTime(sel.end))
	if err != nil {
		return nil, classify(fmt.Errorf("open querier: %w", err))
	}
	return q, nil
}

// series serves /api/v1/series: the label sets of the series matching any
// match[] (required) between start and end.
func (a *API) series(r *http.Request) result {
	if len(r.Form["match[]"]) == 0 {
		return errResult(badData(errors.New("no match[] parameter provided")))
	}
	sel, apiErr := a.parseSelection(r, func(err error) *apiError { return invalidParam(err, "match[]") })
	if apiErr != nil {
		return errResult(apiErr)
	}
	q, apiErr := a.querier(sel)
	if apiErr != nil {
		return errResult(apiErr)
	}
	ctx := r.Context()
	hints := &storage.SelectHints{
		Start: timestamp.FromTime(sel.start),
		End:   timestamp.FromTime(sel.end),
		Func:  "series", // Labels only: storage may skip reading samples.
		Limit: toHintLimit(sel.limit),
	}
	var set storage.SeriesSet
	if len(sel.matchers) > 1 {
		sets := make([]storage.SeriesSet, 0, len(sel.matchers))
		for _, ms := range sel.matchers {
			// Sorted, so that the merge can drop duplicates.
			sets = append(sets, q.Select(ctx, true, hints, ms...))
		}
		set = storage.NewMergeSeriesSet(sets, 0, storage.ChainedSeriesMerge)
	} else {
		set = q.Select(ctx, false, hints, sel.matchers[0]...)
	}

	res := result{finalizer: func() { q.Close() }}
	metrics := []labels.Labels{}
	for i := 1; set.Next(); i++ {
		if i%checkContextEvery == 0 {
			if err := ctx.Err(); err != nil {
				res.err, res.warnings = classify(err), set.Warnings()
				return res
			}
		}
		metrics = append(metrics, set.At().Labels())
		if sel.limit > 0 && len(metrics) > sel.limit {
			res.data, res.warnings = metrics[:sel.limit], set.Warnings()
			res.warnings.Add(errTruncated)
			return res
		}
	}
	res.warnings = set.Warnings()
	if err := set.Err(); err != nil {
		res.err = classify(fmt.Errorf("select series: %w", err))
		return res
	}
	res.data = metrics
	return res
}

// labelNames serves /api/v1/labels: the sorted label names of the series
// matching any match[] (default: all series) between start and end.
func (a *API) labelNames(r *http.Request) result {
	return a.labelQuery(r, func(q storage.Querier, hints *storage.LabelHints, ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
		return q.LabelNames(r.Context(), hints, ms...)
	})
}

// labelValues serves /api/v1/label/{name}/values: the sorted values of
// one label, with the same parameters as labelNames. Names that are not
// valid UTF-8 may be sent escaped as U__ names.
func (a *API) labelValues(r *http.Request) result {
	name := r.PathValue("name")
	if strings.HasPrefix(name, "U__") {
		name = model.UnescapeName(name, model.ValueEncodingEscaping)
	}
	if !model.UTF8Validation.IsValidLabelName(name) {
		return errResult(badData(fmt.Errorf("invalid label name: %q", name)))
	}
	return a.labelQuery(r, func(q storage.Querier, hints *storage.LabelHints, ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
		return q.LabelValues(r.Context(), name, hints, ms...)
	})
}

// labelQuery runs a label lookup once per match[] set (or once with no
// matchers), merges, sorts and truncates the answers.
func (a *API) labelQuery(r *http.Request, lookup func(storage.Querier, *storage.LabelHints, []*labels.Matcher) ([]string, annotations.Annotations, error)) result {
	sel, apiErr := a.parseSelection(r, badData)
	if apiErr != nil {
		return errResult(apiErr)
	}
	q, apiErr := a.querier(sel)
	if apiErr != nil {
		return errResult(apiErr)
	}
	res := result{finalizer: func() { q.Close() }}
	hints := &storage.LabelHints{Limit: toHintLimit(sel.limit)}

	sets := sel.matchers
	if len(sets) == 0 {
		sets = [][]*labels.Matcher{nil}
	}
	var values []string
	for _, ms := range sets {
		vals, warnings, err := lookup(q, hints, ms)
		res.warnings.Merge(warnings)
		if err != nil {
			res.err = classify(fmt.Errorf("label lookup: %w", err))
			return res
		}
		values = append(values, vals...)
	}
	// Lookups are sorted by contract, but several must be merged, and
	// not every store keeps the contract.
	slices.Sort(values)
	values = slices.Compact(values)
	if values == nil {
		values = []string{}
	}
	if sel.limit > 0 && len(values) > sel.limit {
		values = values[:sel.limit]
		res.warnings.Add(errTruncated)
	}
	res.data = values
	return res
}
