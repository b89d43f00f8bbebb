package zipkin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/translator/zipkin/zipkinv1"
	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/internal/zipkinspans"
)

// Paths of the Zipkin span intake.
const (
	PathV1 = "/api/v1/spans"
	PathV2 = "/api/v2/spans"
)

// statusError is an answer other than 202: the status and what to say.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus makes err answer status.
func withStatus(status int, err error) error { return &statusError{status, err} }

// handler is the Zipkin span intake (POST /api/v1/spans and
// /api/v2/spans). It answers as the Zipkin server does: 202 once the spans
// are in the pipeline, 400 naming what is wrong with a malformed message
// (none of its spans is kept: Zipkin rejects a message as a whole), 413
// for a body over the limit (enforced by confighttp, before and after
// decompression), 415 for a content type it cannot read. consume returns a
// statusError for a pipeline refusal.
type handler struct {
	parseStringTags  bool
	v1JSON, v1Thrift ptrace.Unmarshaler
	consume          func(ctx context.Context, td ptrace.Traces, transport string) error
}

func newHandler(parseStringTags bool, consume func(context.Context, ptrace.Traces, string) error) *handler {
	return &handler{
		parseStringTags: parseStringTags,
		v1JSON:          zipkinv1.NewJSONTracesUnmarshaler(parseStringTags),
		v1Thrift:        zipkinv1.NewThriftTracesUnmarshaler(),
		consume:         consume,
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, r.Method+" "+r.URL.Path+": only POST is allowed", http.StatusMethodNotAllowed)
		return
	}
	err := h.serve(r)
	if err == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	status := http.StatusInternalServerError
	var se *statusError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
		err = fmt.Errorf("request body over %d bytes", tooBig.Limit)
	case errors.As(err, &se):
		status = se.status
	}
	http.Error(w, err.Error(), status)
}

func (h *handler) serve(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var td ptrace.Traces
	var transport string
	switch {
	case r.URL.Path == PathV2 && ct == "application/x-protobuf":
		transport = "http_v2_proto"
		spans, perr := zipkin_proto3.ParseSpans(body, r.Header.Get("X-B3-Flags") == "1")
		if perr != nil {
			return withStatus(http.StatusBadRequest, fmt.Errorf("zipkin v2 protobuf: %w", perr))
		}
		td, err = zipkinspans.Translate(spans, h.parseStringTags)
	case r.URL.Path == PathV2 && (ct == "" || ct == "application/json"):
		transport = "http_v2_json"
		spans, derr := zipkinspans.DecodeJSONV2(body)
		if derr != nil {
			return withStatus(http.StatusBadRequest, fmt.Errorf("zipkin v2 json: %w", derr))
		}
		td, err = zipkinspans.Translate(spans, h.parseStringTags)
	case r.URL.Path == PathV1 && ct == "application/x-thrift":
		transport = "http_v1_thrift"
		td, err = h.v1Thrift.UnmarshalTraces(body)
	case r.URL.Path == PathV1 && (ct == "" || ct == "application/json"):
		transport = "http_v1_json"
		td, err = h.v1JSON.UnmarshalTraces(body)
	default:
		return withStatus(http.StatusUnsupportedMediaType,
			fmt.Errorf("content type %q: %s takes application/json or %s", ct, r.URL.Path, map[string]string{PathV1: "application/x-thrift", PathV2: "application/x-protobuf"}[r.URL.Path]))
	}
	if err != nil {
		return withStatus(http.StatusBadRequest, fmt.Errorf("%s: %w", transport, err))
	}
	return h.consume(r.Context(), td, transport)
}
