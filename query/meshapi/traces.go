package meshapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Trace is a trace tagged with a request id, as /requests returns it.
type Trace struct {
	TraceID string `json:"trace_id"`
	Spans   []Span `json:"spans"`
}

// Span is one hop of a trace; durations are milliseconds.
type Span struct {
	SpanID          string    `json:"span_id"`
	ParentID        string    `json:"parent_id,omitempty"`
	Service         string    `json:"service"`
	Name            string    `json:"name"`
	Kind            string    `json:"kind,omitempty"`
	Shared          bool      `json:"shared,omitempty"`
	Start           time.Time `json:"start"`
	DurationMs      float64   `json:"duration"`
	HTTPStatus      int32     `json:"http_status,omitempty"`
	ResponseFlags   string    `json:"response_flags,omitempty"`
	UpstreamCluster string    `json:"upstream_cluster,omitempty"`
	Error           bool      `json:"error,omitempty"`
}

// FormatTraceID renders a trace id as Jaeger and Zipkin do: 16 hex digits
// for a 64-bit id, 32 otherwise.
func FormatTraceID(id storage.TraceID) string {
	if id.High == 0 {
		return fmt.Sprintf("%016x", id.Low)
	}
	return fmt.Sprintf("%016x%016x", id.High, id.Low)
}

// requestTraces returns the traces tagged with id, or none when the backend
// stores no spans.
func (a *API) requestTraces(ctx context.Context, id string) ([]Trace, error) {
	if a.traces == nil {
		return nil, nil
	}
	ts, err := a.traces.TracesByRequestID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("traces of request %q: %w", id, err)
	}
	out := make([]Trace, len(ts))
	for i, t := range ts {
		out[i] = Trace{TraceID: FormatTraceID(t.ID), Spans: make([]Span, len(t.Spans))}
		for j, s := range t.Spans {
			sp := Span{SpanID: fmt.Sprintf("%016x", s.SpanID), Service: s.Service, Name: s.Name, Kind: string(s.Kind),
				Shared: s.Shared, Start: s.Start.UTC(), DurationMs: float64(s.DurationMicros) / 1000,
				HTTPStatus: s.HTTPStatus, ResponseFlags: s.ResponseFlags, UpstreamCluster: s.UpstreamCluster,
				Error: s.StatusCode == 2}
			if s.ParentID != 0 {
				sp.ParentID = fmt.Sprintf("%016x", s.ParentID)
			}
			out[i].Spans[j] = sp
		}
	}
	return out, nil
}
