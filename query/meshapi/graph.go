package meshapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/storage"
)

// DefaultGraphWindow is the graph, services and series window when start
// is absent.
const DefaultGraphWindow = 15 * time.Minute

// SetHealth replaces the health thresholds of the graph and services
// answers (Kiali's defaults until then). It must be called before Register
// serves requests.
func (a *API) SetHealth(h graph.HealthConfig) {
	if a.graph != nil {
		a.graph.Health = h
	}
}

// graphHandler: GET /graph?start=&end=&namespace=&source=auto|logs|spans|metrics
func (a *API) graphHandler(r *http.Request) (any, error) {
	if a.graph == nil {
		return nil, fmt.Errorf("graph: %w", storage.ErrNotSupported)
	}
	q, err := graphQuery(r, time.Now())
	if err != nil {
		return nil, err
	}
	g, err := a.graph.Graph(r.Context(), q)
	if err != nil {
		return nil, fmt.Errorf("building the graph: %w", err)
	}
	return g, nil
}

// graphQuery parses the parameters shared by /graph, /services and
// /series: the window (default: the last DefaultGraphWindow), namespace
// and source.
func graphQuery(r *http.Request, now time.Time) (graph.Query, error) {
	var q graph.Query
	var err error
	end, err := timeParam(r, "end", now)
	if err != nil {
		return q, err
	}
	start, err := timeParam(r, "start", end.Add(-DefaultGraphWindow))
	if err != nil {
		return q, err
	}
	if !end.After(start) {
		return q, fmt.Errorf("%w: the window from start to end is empty", errBadParam)
	}
	q.Start, q.End = start, end
	if q.Source, err = oneOf(r, "source", graph.SourceAuto, graph.SourceAuto, "logs", "spans", "metrics"); err != nil {
		return q, err
	}
	q.Namespace = r.FormValue("namespace")
	return q, nil
}
