package meshapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/storage"
)

// seriesHandler: GET /series?kind=service|edge&service=&namespace=
// &source_service=&source_namespace=&dest_service=&dest_namespace=
// &start=&end=&step=60&source=
//
// For kind=edge, namespace (when set and the side's own namespace is not)
// applies to both sides. step is in seconds, a multiple of 60.
func (a *API) seriesHandler(r *http.Request) (any, error) {
	if a.graph == nil {
		return nil, fmt.Errorf("series: %w", storage.ErrNotSupported)
	}
	base, err := graphQuery(r, time.Now())
	if err != nil {
		return nil, err
	}
	q := graph.SeriesQuery{Query: base}
	if q.Kind, err = oneOf(r, "kind", "service", "service", "edge"); err != nil {
		return nil, err
	}
	step, err := intParam(r, "step", 60, 86400)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		step = 60
	}
	if step%60 != 0 {
		return nil, fmt.Errorf("%w: step: %d is not a multiple of 60 seconds", errBadParam, step)
	}
	q.Step = time.Duration(step) * time.Second
	ns := r.FormValue("namespace")
	q.Service, q.Namespace = r.FormValue("service"), ns
	q.SourceService, q.SourceNamespace = r.FormValue("source_service"), orDefault(r.FormValue("source_namespace"), ns)
	q.DestinationService, q.DestinationNamespace = r.FormValue("dest_service"), orDefault(r.FormValue("dest_namespace"), ns)
	switch {
	case q.Kind == "service" && q.Service == "":
		return nil, fmt.Errorf("%w: service is required for kind=service", errBadParam)
	case q.Kind == "edge" && (q.SourceService == "" || q.DestinationService == ""):
		return nil, fmt.Errorf("%w: source_service and dest_service are required for kind=edge", errBadParam)
	}
	s, err := a.graph.Series(r.Context(), q)
	if err != nil {
		return nil, fmt.Errorf("building the series: %w", err)
	}
	return s, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
