package promapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/metadata"
)

// metricMetadata serves /api/v1/metadata from the MetadataStore: per
// metric family, its distinct TYPE/HELP/UNIT entries. `metric` selects one
// family; `limit` bounds families and `limit_per_metric` entries per
// family, with Prometheus' meaning: absent or negative is no limit, and a
// limit of 0 families answers {}.
func (a *API) metricMetadata(r *http.Request) result {
	limit, apiErr := metadataLimit(r, "limit")
	if apiErr != nil {
		return errResult(apiErr)
	}
	perMetric, apiErr := metadataLimit(r, "limit_per_metric")
	if apiErr != nil {
		return errResult(apiErr)
	}
	res := map[string][]metadata.Metadata{}
	if a.metadata == nil || limit == 0 {
		return result{data: res}
	}
	// The store takes <= 0 as no limit; Prometheus ignores a zero
	// limit_per_metric too.
	families, err := a.metadata.Metadata(r.Context(), r.FormValue("metric"), max(limit, 0), max(perMetric, 0))
	if err != nil {
		return errResult(classify(fmt.Errorf("read metadata: %w", err)))
	}
	for name, entries := range families {
		out := make([]metadata.Metadata, 0, len(entries))
		for _, e := range entries {
			out = append(out, metadata.Metadata{Type: model.MetricType(e.Type), Unit: e.Unit, Help: e.Help})
		}
		res[name] = out
	}
	return result{data: res}
}

// metadataLimit parses a metadata limit; -1 when absent.
func metadataLimit(r *http.Request, name string) (int, *apiError) {
	s := r.FormValue(name)
	if s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badData(errors.New(name + " must be a number"))
	}
	return n, nil
}
