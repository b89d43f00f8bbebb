package zipkinapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/meshlens/meshlens/storage"
)

// argError is a request the client must change, Zipkin's
// IllegalArgumentException: its text is the whole 400 answer.
type argError string

func (e argError) Error() string { return string(e) }

func argErrorf(format string, args ...any) error { return argError(fmt.Sprintf(format, args...)) }

// errTraceNotFound is a trace id the backend does not hold.
func errTraceNotFound(id string) error { return fmt.Errorf("%s %w", id, storage.ErrNotFound) }

// statusOf maps an endpoint's error to its HTTP status: the one place this
// API decides statuses.
func statusOf(err error) int {
	var arg argError
	switch {
	case errors.As(err, &arg):
		return http.StatusBadRequest
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, storage.ErrNotSupported):
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}

// fail answers err as the Zipkin server does: its status and its message as
// plain text. Server-side failures are logged unless the client went away.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError && !errors.Is(err, context.Canceled) {
		a.logger.Error("zipkin API request failed", "path", r.URL.Path, "error", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(err.Error()))
}
