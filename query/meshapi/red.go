package meshapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// REDAnswer is RED for a window, per service or per edge.
type REDAnswer struct {
	By    string    `json:"by"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Rows  []REDRow  `json:"rows"`
}

// REDRow is one service or edge. Latencies are milliseconds; RelativeError
// is 0 for exact quantiles (access logs), else the sketch's relative
// accuracy.
type REDRow struct {
	Source           *Workload `json:"source,omitempty"`
	Destination      Workload  `json:"destination"`
	Protocol         string    `json:"protocol,omitempty"`
	Requests         int64     `json:"requests"`
	Rate             float64   `json:"rate"`
	Errors           int64     `json:"errors"`
	ErrorRatio       float64   `json:"error_ratio"`
	ClientErrors     int64     `json:"client_errors"`
	ClientErrorRatio float64   `json:"client_error_ratio"`
	P50              float64   `json:"p50_ms"`
	P90              float64   `json:"p90_ms"`
	P99              float64   `json:"p99_ms"`
	RelativeError    float64   `json:"relative_error"`
	BytesIn          int64     `json:"bytes_in"`
	BytesOut         int64     `json:"bytes_out"`
	Sources          []string  `json:"sources,omitempty"`
}

// redHandler: GET /red?by=service|edge&start=&end=&namespace=&source=
func (a *API) redHandler(r *http.Request) (any, error) {
	if a.red == nil {
		return nil, fmt.Errorf("RED: %w", storage.ErrNotSupported)
	}
	q, err := redQuery(r, time.Now())
	if err != nil {
		return nil, err
	}
	rows, err := a.red.RED(r.Context(), q)
	if err != nil {
		return nil, fmt.Errorf("computing RED by %s: %w", q.By, err)
	}
	ans := REDAnswer{By: q.By, Start: q.Start.UTC(), End: q.End.UTC(), Rows: make([]REDRow, len(rows))}
	for i, row := range rows {
		ans.Rows[i] = toREDRow(row, q.By == "edge")
	}
	return ans, nil
}

func redQuery(r *http.Request, now time.Time) (storage.REDQuery, error) {
	var q storage.REDQuery
	var err error
	if q.Start, q.End, err = window(r, now); err != nil {
		return q, err
	}
	if !q.End.After(q.Start) {
		return q, fmt.Errorf("%w: the window from start to end is empty", errBadParam)
	}
	if q.By, err = oneOf(r, "by", "service", "service", "edge"); err != nil {
		return q, err
	}
	if q.Source, err = oneOf(r, "source", "", "logs", "spans", "metrics", "auto"); err != nil {
		return q, err
	}
	if q.Source == "auto" {
		q.Source = ""
	}
	q.Namespace = r.FormValue("namespace")
	return q, nil
}

func toREDRow(row storage.REDRow, edge bool) REDRow {
	e, red := row.Edge, row.RED
	out := REDRow{
		Destination: Workload{Service: e.DestinationService, Namespace: e.DestinationNamespace, Version: e.DestinationVersion},
		Protocol:    e.Protocol, Requests: red.Requests, Rate: red.Rate, Errors: red.Errors,
		ErrorRatio: red.ErrorRatio, ClientErrors: red.ClientErrors, P50: red.P50, P90: red.P90, P99: red.P99,
		RelativeError: red.RelativeError, BytesIn: red.BytesIn, BytesOut: red.BytesOut, Sources: row.Sources,
	}
	if red.Requests > 0 {
		out.ClientErrorRatio = float64(red.ClientErrors) / float64(red.Requests)
	}
	if edge {
		out.Source = &Workload{Service: e.SourceService, Namespace: e.SourceNamespace, Version: e.SourceVersion}
	}
	return out
}
