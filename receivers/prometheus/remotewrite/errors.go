package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// requestError is a problem with a request, with the status it is answered
// with and the Reason Stats count it under. Every rejection goes through
// one, so the mapping to HTTP lives here and in Handler.respond only.
type requestError struct {
	status int
	reason Reason
	err    error
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func reject(status int, reason Reason, format string, args ...any) *requestError {
	return &requestError{status: status, reason: reason, err: fmt.Errorf(format, args...)}
}

// permanentError and retryableError carry the consume-side classification
// that the collector expresses with its own error types, which this package
// does not import.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

type retryableError struct{ error }

func (e retryableError) Unwrap() error { return e.error }

// Permanent marks an error returned by the consume function as permanent:
// the data can never be accepted (e.g. samples out of order), so the
// handler answers 400 and the sender drops the request instead of retrying
// it forever. The wiring wraps the collector's permanent errors with it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// Retryable marks an error returned by the consume function as temporary
// (back-pressure, a full queue): the handler answers 503 and the sender
// retries after backing off. Unmarked consume errors are answered 500,
// which senders retry as well.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return retryableError{err}
}

// consumeError maps an error of the consume function to the answer.
func consumeError(err error) *requestError {
	var p permanentError
	var r retryableError
	switch {
	case errors.As(err, &p):
		return &requestError{status: http.StatusBadRequest, reason: ReasonConsumePermanent, err: fmt.Errorf("the pipeline refused the data: %w", err)}
	case errors.As(err, &r), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &requestError{status: http.StatusServiceUnavailable, reason: ReasonConsumeRetryable, err: fmt.Errorf("the pipeline cannot take data now, retry: %w", err)}
	default:
		return &requestError{status: http.StatusInternalServerError, reason: ReasonConsumeFailed, err: fmt.Errorf("the pipeline failed: %w", err)}
	}
}
