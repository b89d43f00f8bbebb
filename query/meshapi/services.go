package meshapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// servicesHandler: GET /services?start=&end=&namespace=&source=
func (a *API) servicesHandler(r *http.Request) (any, error) {
	if a.graph == nil {
		return nil, fmt.Errorf("services: %w", storage.ErrNotSupported)
	}
	q, err := graphQuery(r, time.Now())
	if err != nil {
		return nil, err
	}
	s, err := a.graph.Services(r.Context(), q)
	if err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	return s, nil
}
