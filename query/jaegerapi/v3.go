package jaegerapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

// tracesResult is Jaeger's GRPCGatewayWrapper: {"result": TracesData}.
type tracesResult struct {
	Result json.RawMessage `json:"result"`
}

// servicesV3 answers GET /api/v3/services: {"services":[…]}, sorted.
func (a *API) servicesV3(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	names, err := tr.Services(r.Context())
	if err != nil {
		return nil, err
	}
	return struct {
		Services []string `json:"services"`
	}{sortedNames(names)}, nil
}

// operationsV3 answers GET /api/v3/operations?service=&spanKind=:
// {"operations":[{"name","spanKind"}]}, internal spans as "internal", as
// Jaeger v2 answers.
func (a *API) operationsV3(r *http.Request) (any, error) {
	p := v3Params(r.URL.Query())
	service, _ := p.get("service")
	if service == "" {
		return nil, malformed("service", errors.New("required"))
	}
	kindS, kindName := p.get("spanKind", "span_kind")
	kind, internal, err := parseSpanKind(kindName, kindS)
	if err != nil {
		return nil, err
	}
	ops, err := a.listOperations(r, service, kind, internal)
	if err != nil {
		return nil, err
	}
	data := make([]Operation, len(ops))
	for i, op := range ops {
		data[i] = Operation{Name: op.Name, SpanKind: string(op.Kind)}
		if op.Kind == "" {
			data[i].SpanKind = "internal"
		}
	}
	return struct {
		Operations []Operation `json:"operations"`
	}{data}, nil
}

// findTracesV3 answers GET /api/v3/traces: the matching traces as one
// OTLP JSON TracesData, or 404 "No traces found" when none match, as
// Jaeger v2 answers.
func (a *API) findTracesV3(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	s, err := parseV3Search(r.URL.Query())
	if err != nil {
		return nil, err
	}
	traces, err := tr.FindTraces(r.Context(), s.query)
	if err != nil {
		return nil, err
	}
	if len(traces) == 0 {
		return nil, errNoTraces
	}
	return otlpResult(traces, !s.raw)
}

// getTraceV3 answers GET /api/v3/traces/{trace_id}: the trace as OTLP JSON.
// startTime and endTime are validated but not needed (ids are unique).
func (a *API) getTraceV3(r *http.Request) (any, error) {
	tr, err := a.reader()
	if err != nil {
		return nil, err
	}
	id, err := tracefmt.ParseTraceID(r.PathValue("trace_id"))
	if err != nil {
		return nil, malformed("trace_id", err)
	}
	p := v3Params(r.URL.Query())
	if err := v3Time(p, "startTime", "start_time"); err != nil {
		return nil, err
	}
	if err := v3Time(p, "endTime", "end_time"); err != nil {
		return nil, err
	}
	raw, err := v3Bool(p, "rawTraces", "raw_traces")
	if err != nil {
		return nil, err
	}
	t, err := tr.GetTrace(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNoTraces
	}
	if err != nil {
		return nil, err
	}
	return otlpResult([]storage.Trace{t}, !raw)
}

// otlpResult encodes traces as OTLP JSON (storage/rowconv.AppendTraces, the
// inverse of ingest), after the span-id uniquifier when adjusting.
func otlpResult(traces []storage.Trace, adjust bool) (tracesResult, error) {
	td := ptrace.NewTraces()
	for _, t := range traces {
		spans := t.Spans
		if adjust {
			spans = uniquifySpanIDs(spans)
		}
		rowconv.AppendTraces(td, spans)
	}
	data, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	return tracesResult{Result: data}, err
}
