package promapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/prometheus/promql"
)

// errorType is the `errorType` of an error response. The strings are
// Prometheus', which clients match on.
type errorType string

const (
	errorTimeout  errorType = "timeout"
	errorCanceled errorType = "canceled"
	errorExec     errorType = "execution"
	errorBadData  errorType = "bad_data"
	errorInternal errorType = "internal"
)

// statusClientClosedRequest is nginx's non-standard 499, which Prometheus
// answers when the client went away before the query finished.
const statusClientClosedRequest = 499

// httpStatus is the one place where an error type becomes an HTTP status,
// with Prometheus' mapping.
func (t errorType) httpStatus() int {
	switch t {
	case errorBadData:
		return http.StatusBadRequest
	case errorExec:
		return http.StatusUnprocessableEntity
	case errorCanceled:
		return statusClientClosedRequest
	case errorTimeout:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// apiError is an error with the type it is reported as.
type apiError struct {
	typ errorType
	err error
}

func (e *apiError) Error() string { return fmt.Sprintf("%s: %s", e.typ, e.err) }

func (e *apiError) Unwrap() error { return e.err }

// badData reports a request the client must change.
func badData(err error) *apiError { return &apiError{errorBadData, err} }

// invalidParam reports a bad parameter with Prometheus' wording.
func invalidParam(err error, name string) *apiError {
	return badData(fmt.Errorf("invalid parameter %q: %w", name, err))
}

// classify types an error from the engine or the storage, as Prometheus'
// returnAPIError does: cancellation and timeouts by their promql or
// context error, storage failures as internal, anything else (bad
// function arguments, too many samples, ...) as an execution error.
func classify(err error) *apiError {
	if err == nil {
		return nil
	}
	switch {
	case errors.As(err, new(promql.ErrQueryCanceled)):
		return &apiError{errorCanceled, err}
	case errors.As(err, new(promql.ErrQueryTimeout)):
		return &apiError{errorTimeout, err}
	case errors.As(err, new(promql.ErrStorage)):
		return &apiError{errorInternal, err}
	case errors.Is(err, context.Canceled):
		return &apiError{errorCanceled, err}
	}
	return &apiError{errorExec, err}
}

// constructionError types an error from building a query, as Prometheus'
// queryConstructionError: running out of time or being canceled while
// waiting keeps its type, anything else is a bad `query` parameter.
func constructionError(err error) *apiError {
	if errors.As(err, new(promql.ErrQueryTimeout)) || errors.As(err, new(promql.ErrQueryCanceled)) {
		return classify(err)
	}
	return invalidParam(err, "query")
}
