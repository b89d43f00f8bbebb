package telemetry

import (
	"strconv"

	"github.com/meshlens/meshlens/internal/jsonesc"
)

// appendJSON appends r as one line of Istio's JSON access-log encoding
// (accessLogEncoding: JSON; EnvoyJSONLogFormatIstio), as Envoy's typed
// JSON formatter writes it: members sorted by name, counts and the
// response code as numbers, the upstream service time as the header's
// string, response_flags "-" when none, and null for every other value
// Envoy does not know.
func appendJSON(b []byte, r *Record) []byte {
	b = append(b, `{"authority":`...)
	b = appendJSONString(b, r.Authority)
	b = append(b, `,"bytes_received":`...)
	b = strconv.AppendInt(b, r.BytesReceived, 10)
	b = append(b, `,"bytes_sent":`...)
	b = strconv.AppendInt(b, r.BytesSent, 10)
	b = append(b, `,"connection_termination_details":`...)
	b = appendJSONString(b, r.ConnectionTerminationDetails)
	b = append(b, `,"downstream_local_address":`...)
	b = appendJSONString(b, r.DownstreamLocalAddress)
	b = append(b, `,"downstream_remote_address":`...)
	b = appendJSONString(b, r.DownstreamRemoteAddress)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, millis(r.Duration), 10)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, r.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, r.Path)
	b = append(b, `,"protocol":`...)
	b = appendJSONString(b, r.Protocol)
	b = append(b, `,"request_id":`...)
	b = appendJSONString(b, r.RequestID)
	b = append(b, `,"requested_server_name":`...)
	b = appendJSONString(b, r.RequestedServerName)
	b = append(b, `,"response_code":`...)
	b = strconv.AppendInt(b, int64(r.ResponseCode), 10)
	b = append(b, `,"response_code_details":`...)
	b = appendJSONString(b, r.ResponseCodeDetails)
	b = append(b, `,"response_flags":`...)
	if r.ResponseFlags == "" {
		b = append(b, `"-"`...)
	} else {
		b = appendJSONString(b, r.ResponseFlags)
	}
	b = append(b, `,"route_name":`...)
	b = appendJSONString(b, r.RouteName)
	b = append(b, `,"start_time":"`...)
	b = r.Start.UTC().AppendFormat(b, startTimeLayout)
	b = append(b, `","upstream_cluster":`...)
	b = appendJSONString(b, r.UpstreamCluster)
	b = append(b, `,"upstream_host":`...)
	b = appendJSONString(b, r.UpstreamHost)
	b = append(b, `,"upstream_local_address":`...)
	b = appendJSONString(b, r.UpstreamLocalAddress)
	b = append(b, `,"upstream_service_time":`...)
	if r.UpstreamServiceTime < 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = strconv.AppendInt(b, millis(r.UpstreamServiceTime), 10)
		b = append(b, '"')
	}
	b = append(b, `,"upstream_transport_failure_reason":`...)
	b = appendJSONString(b, r.UpstreamTransportFailureReason)
	b = append(b, `,"user_agent":`...)
	b = appendJSONString(b, r.UserAgent)
	b = append(b, `,"x_forwarded_for":`...)
	b = appendJSONString(b, r.XForwardedFor)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string, or null when s is empty,
// escaped as Envoy's JSON formatter does (no HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return jsonesc.AppendQuoted(b, s, false)
}
