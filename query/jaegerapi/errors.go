package jaegerapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/meshlens/meshlens/storage"
)

// paramError is a request parameter the client must fix (400). Its text is
// the message Jaeger gives for it.
type paramError struct{ err error }

func (e *paramError) Error() string { return e.err.Error() }
func (e *paramError) Unwrap() error { return e.err }

// badParam marks err as the client's fault.
func badParam(err error) error { return &paramError{err} }

// badParamf is badParam of a formatted message.
func badParamf(format string, args ...any) error { return badParam(fmt.Errorf(format, args...)) }

// parseError is Jaeger v1's "unable to parse param" error.
func parseError(name string, err error) error {
	return badParamf("unable to parse param '%s': %w", name, err)
}

// malformed is Jaeger v3's parameter error.
func malformed(name string, err error) error {
	return badParamf("malformed parameter %s: %w", name, err)
}

// notFound is storage.ErrNotFound in Jaeger's own words.
type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == storage.ErrNotFound }

var (
	// errServiceRequired is Jaeger's answer to a search without a service.
	errServiceRequired = badParamf("parameter 'service' is required")
	// errTraceNotFound is v1's 404 message for a trace id storage lacks.
	errTraceNotFound error = notFound("trace not found")
	// errNoTraces is v3's 404 message, for a trace id or an empty search.
	errNoTraces error = notFound("No traces found")
)

// statusOf maps an endpoint's error to its HTTP status: the one place this
// API decides statuses, for v1 and v3 alike.
func statusOf(err error) int {
	var pe *paramError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, storage.ErrNotSupported):
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}
