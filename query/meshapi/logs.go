package meshapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// MaxLimit bounds /logs results.
const MaxLimit = 10000

// Record is an access-log record as the API returns it: Istio's JSON
// access-log keys, plus who reported it and the derived sides.
type Record struct {
	StartTime              time.Time `json:"start_time"`
	DurationMs             *float64  `json:"duration"`
	Method                 string    `json:"method,omitempty"`
	Path                   string    `json:"path,omitempty"`
	Protocol               string    `json:"protocol,omitempty"`
	ResponseCode           int32     `json:"response_code"`
	ResponseFlags          string    `json:"response_flags,omitempty"`
	ResponseCodeDetails    string    `json:"response_code_details,omitempty"`
	ConnectionTermination  string    `json:"connection_termination_details,omitempty"`
	UpstreamFailure        string    `json:"upstream_transport_failure_reason,omitempty"`
	BytesReceived          int64     `json:"bytes_received"`
	BytesSent              int64     `json:"bytes_sent"`
	UpstreamServiceTimeMs  *float64  `json:"upstream_service_time"`
	XForwardedFor          string    `json:"x_forwarded_for,omitempty"`
	UserAgent              string    `json:"user_agent,omitempty"`
	RequestID              string    `json:"request_id,omitempty"`
	Authority              string    `json:"authority,omitempty"`
	UpstreamHost           string    `json:"upstream_host,omitempty"`
	UpstreamCluster        string    `json:"upstream_cluster,omitempty"`
	UpstreamLocalAddress   string    `json:"upstream_local_address,omitempty"`
	DownstreamLocalAddress string    `json:"downstream_local_address,omitempty"`
	DownstreamRemoteAddr   string    `json:"downstream_remote_address,omitempty"`
	RequestedServerName    string    `json:"requested_server_name,omitempty"`
	RouteName              string    `json:"route_name,omitempty"`
	TraceID                string    `json:"trace_id,omitempty"`
	Reporter               Reporter  `json:"reporter"`
	Source                 Workload  `json:"source"`
	Destination            Workload  `json:"destination"`
}

// Reporter is the proxy that logged a record.
type Reporter struct {
	Direction string `json:"direction"`
	Service   string `json:"service,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Version   string `json:"version,omitempty"`
	Workload  string `json:"workload,omitempty"`
}

// Workload is one side of a call.
type Workload struct {
	Service   string `json:"service"`
	Namespace string `json:"namespace,omitempty"`
	Version   string `json:"version,omitempty"`
}

func millis(us int64) *float64 {
	if us < 0 {
		return nil
	}
	ms := float64(us) / 1000
	return &ms
}

func toRecord(r *storage.AccessLog) Record {
	return Record{
		StartTime: r.Start.UTC(), DurationMs: millis(r.DurationMicros), Method: r.Method, Path: r.Path,
		Protocol: r.Protocol, ResponseCode: r.ResponseCode, ResponseFlags: r.ResponseFlags,
		ResponseCodeDetails: r.ResponseCodeDetails, ConnectionTermination: r.ConnTerminationInfo,
		UpstreamFailure: r.UpstreamFailure, BytesReceived: r.BytesReceived, BytesSent: r.BytesSent,
		UpstreamServiceTimeMs: millis(r.UpstreamServiceMicros), XForwardedFor: r.XForwardedFor,
		UserAgent: r.UserAgent, RequestID: r.RequestID, Authority: r.Authority, UpstreamHost: r.UpstreamHost,
		UpstreamCluster: r.UpstreamCluster, UpstreamLocalAddress: r.UpstreamLocalAddress,
		DownstreamLocalAddress: r.DownstreamLocal, DownstreamRemoteAddr: r.DownstreamRemote,
		RequestedServerName: r.SNI, RouteName: r.RouteName, TraceID: r.TraceID,
		Reporter: Reporter{Direction: r.Reporter.Direction, Service: r.Reporter.Service,
			Namespace: r.Reporter.Namespace, Version: r.Reporter.Version, Workload: r.Reporter.Workload},
		Source:      Workload{r.SourceService, r.SourceNamespace, r.SourceVersion},
		Destination: Workload{r.DestinationService, r.DestinationNamespace, r.DestinationVersion},
	}
}

func toRecords(rows []storage.AccessLog) []Record {
	out := make([]Record, len(rows))
	for i := range rows {
		out[i] = toRecord(&rows[i])
	}
	return out
}

// logsHandler: GET /logs?service=&direction=&code=&class=&flag=&path_prefix=
// &request_id=&start=&end=&limit=, newest first.
func (a *API) logsHandler(r *http.Request) (any, error) {
	if a.logs == nil {
		return nil, fmt.Errorf("access-log search: %w", storage.ErrNotSupported)
	}
	q, err := logsQuery(r, time.Now())
	if err != nil {
		return nil, err
	}
	rows, err := a.logs.FindAccessLogs(r.Context(), q)
	if err != nil {
		return nil, fmt.Errorf("searching access logs: %w", err)
	}
	return toRecords(rows), nil
}

func logsQuery(r *http.Request, now time.Time) (storage.AccessLogQuery, error) {
	var q storage.AccessLogQuery
	var err error
	if q.Start, q.End, err = window(r, now); err != nil {
		return q, err
	}
	if q.Direction, err = oneOf(r, "direction", "", "inbound", "outbound"); err != nil {
		return q, err
	}
	code, err := intParam(r, "code", 0, 999)
	if err != nil {
		return q, err
	}
	q.ResponseCode = int32(code)
	if q.CodeClass, err = codeClass(r.FormValue("class")); err != nil {
		return q, err
	}
	if q.Limit, err = intParam(r, "limit", 1, MaxLimit); err != nil {
		return q, err
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	q.Service = r.FormValue("service")
	q.ResponseFlag = r.FormValue("flag")
	q.PathPrefix = r.FormValue("path_prefix")
	q.RequestID = r.FormValue("request_id")
	return q, nil
}

// RequestAnswer is everything known about one x-request-id: every hop's
// access-log record and the traces tagged with it (guid:x-request-id).
type RequestAnswer struct {
	RequestID  string   `json:"request_id"`
	AccessLogs []Record `json:"access_logs"`
	Traces     []Trace  `json:"traces"`
}

// requestHandler: GET /requests/{id}: every access-log record of the
// request across hops, in time order (client side before server side at
// equal start times), and its traces. 404 when neither is known.
func (a *API) requestHandler(r *http.Request) (any, error) {
	id := r.PathValue("id")
	if a.logs == nil && a.traces == nil {
		return nil, fmt.Errorf("request lookup: %w", storage.ErrNotSupported)
	}
	var rows []storage.AccessLog
	if a.logs != nil {
		var err error
		rows, err = a.logs.FindAccessLogs(r.Context(), storage.AccessLogQuery{RequestID: id, Limit: MaxLimit})
		if err != nil {
			return nil, fmt.Errorf("looking up request %q: %w", id, err)
		}
	}
	traces, err := a.requestTraces(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && len(traces) == 0 {
		return nil, fmt.Errorf("request %q: %w", id, storage.ErrNotFound)
	}
	slices.SortStableFunc(rows, func(x, y storage.AccessLog) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return directionRank(x.Reporter.Direction) - directionRank(y.Reporter.Direction)
	})
	return RequestAnswer{RequestID: id, AccessLogs: toRecords(rows), Traces: traces}, nil
}

func directionRank(d string) int {
	if d == "source" {
		return 0
	}
	return 1
}
