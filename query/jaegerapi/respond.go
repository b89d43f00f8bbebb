package jaegerapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// response is Jaeger's v1 envelope. Errors is null unless something failed
// (a 4xx/5xx answer) or some of several requested trace ids were missing.
type response struct {
	Data   any               `json:"data"`
	Total  int               `json:"total"`
	Limit  int               `json:"limit"`
	Offset int               `json:"offset"`
	Errors []structuredError `json:"errors"`
}

type structuredError struct {
	Code    int    `json:"code,omitempty"`
	Msg     string `json:"msg"`
	TraceID string `json:"traceID,omitempty"`
}

// v3Error is the grpc-gateway error body Jaeger's api_v3 HTTP gateway
// writes.
type v3Error struct {
	Error v3ErrorDetails `json:"error"`
}

type v3ErrorDetails struct {
	HTTPCode int    `json:"httpCode"`
	Message  string `json:"message"`
}

// handleV1 adapts a v1 endpoint: its envelope, or the error envelope.
func (a *API) handleV1(f func(*http.Request) (*response, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := f(r)
		if err != nil {
			status := a.status(r, err)
			a.write(w, r, status, &response{Errors: []structuredError{{Code: status, Msg: err.Error()}}})
			return
		}
		a.write(w, r, http.StatusOK, res)
	}
}

// handleV3 adapts a v3 endpoint: its answer, or the gateway error body.
func (a *API) handleV3(f func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := f(r)
		if err != nil {
			status := a.status(r, err)
			a.write(w, r, status, v3Error{v3ErrorDetails{HTTPCode: status, Message: err.Error()}})
			return
		}
		a.write(w, r, http.StatusOK, res)
	}
}

// status is statusOf, logging server-side failures unless the client went
// away.
func (a *API) status(r *http.Request, err error) int {
	status := statusOf(err)
	if status == http.StatusInternalServerError && !errors.Is(err, context.Canceled) {
		a.logger.Error("jaeger API request failed", "path", r.URL.Path, "error", err)
	}
	return status
}

func (a *API) write(w http.ResponseWriter, r *http.Request, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		a.logger.Warn("jaeger API: writing response", "path", r.URL.Path, "error", err)
	}
}
