package format

import (
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// field is an AccessLog column that an Envoy command operator fills.
type field uint8

const (
	fNone field = iota // an operator with no column: parsed over, value dropped
	fStart
	fDuration
	fMethod
	fPath
	fProtocol
	fCode
	fFlags
	fDetails
	fConnTermination
	fUpstreamFailure
	fBytesReceived
	fBytesSent
	fUpstreamService
	fXFF
	fUserAgent
	fRequestID
	fAuthority
	fUpstreamHost
	fUpstreamCluster
	fUpstreamLocal
	fDownstreamLocal
	fDownstreamRemote
	fSNI
	fRoute
	fTraceID
	fTraceparent
	numFields
)

// kind says how a field's text is validated and converted.
type kind uint8

const (
	kindNone   kind = iota
	kindTime        // START_TIME: RFC 3339 or the operator's strftime format
	kindCode        // RESPONSE_CODE: non-negative int32; "-" is 0
	kindCount       // byte counts: non-negative int64; "-" is 0
	kindMillis      // durations logged in ms, stored in µs; "-" is -1
	kindFlags       // RESPONSE_FLAGS: "UH" or "UF,URX"; "-" is ""
	kindToken       // a name: never a space or a double quote in it
	kindPath        // a request path: never a space in it
	kindText        // any string (headers, failure reasons)
	kindTrace       // a W3C traceparent, stored as its trace id
)

// typed reports whether the kind is a time or a number.
func (k kind) typed() bool {
	return k == kindTime || k == kindCode || k == kindCount || k == kindMillis
}

// nonEmptyInText reports whether a text format can never hold an empty
// value of this kind: Envoy writes "-" for a missing one, and a name or a
// number is never an empty string.
func (k kind) nonEmptyInText() bool {
	return k.typed() || k == kindToken || k == kindPath || k == kindFlags
}

// kinds gives each field's kind. Token fields are the ones whose values
// cannot hold a space or a quote (addresses, names, Envoy's own
// underscore-joined details): checking that keeps a line of one layout from
// matching another layout, whose fields would otherwise swallow their
// neighbours (a quoted Istio 1.7 Mixer status read as 1.9's details).
var kinds = [numFields]kind{
	fStart:            kindTime,
	fDuration:         kindMillis,
	fMethod:           kindToken,
	fPath:             kindPath,
	fProtocol:         kindToken,
	fCode:             kindCode,
	fFlags:            kindFlags,
	fDetails:          kindToken,
	fConnTermination:  kindText,
	fUpstreamFailure:  kindText,
	fBytesReceived:    kindCount,
	fBytesSent:        kindCount,
	fUpstreamService:  kindMillis,
	fXFF:              kindText,
	fUserAgent:        kindText,
	fRequestID:        kindText,
	fAuthority:        kindToken,
	fUpstreamHost:     kindToken,
	fUpstreamCluster:  kindToken,
	fUpstreamLocal:    kindToken,
	fDownstreamLocal:  kindToken,
	fDownstreamRemote: kindToken,
	fSNI:              kindToken,
	fRoute:            kindToken,
	fTraceID:          kindText,
	fTraceparent:      kindTrace,
}

// commands maps a normalised Envoy command operator (see commandKey) to the
// column it fills. Operators not listed are parsed over and dropped.
// Operator semantics: Envoy's access-log usage docs
// (docs/root/configuration/observability/access_log/usage.rst).
var commands = map[string]field{
	"START_TIME":                       fStart,
	"REQ(:METHOD)":                     fMethod,
	"REQ(X-ENVOY-ORIGINAL-PATH?:PATH)": fPath,
	"REQ(:PATH)":                       fPath,
	"REQ_WITHOUT_QUERY(X-ENVOY-ORIGINAL-PATH?:PATH)": fPath,
	"REQ_WITHOUT_QUERY(:PATH)":                       fPath,
	"PROTOCOL":                                       fProtocol,
	"RESPONSE_CODE":                                  fCode,
	"RESPONSE_FLAGS":                                 fFlags,
	"RESPONSE_CODE_DETAILS":                          fDetails,
	"CONNECTION_TERMINATION_DETAILS":                 fConnTermination,
	"UPSTREAM_TRANSPORT_FAILURE_REASON":              fUpstreamFailure,
	"BYTES_RECEIVED":                                 fBytesReceived,
	"BYTES_SENT":                                     fBytesSent,
	"DURATION":                                       fDuration,
	"RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)":            fUpstreamService,
	"REQ(X-FORWARDED-FOR)":                           fXFF,
	"REQ(USER-AGENT)":                                fUserAgent,
	"REQ(X-REQUEST-ID)":                              fRequestID,
	"REQ(:AUTHORITY)":                                fAuthority,
	"REQ(HOST)":                                      fAuthority, // Envoy stores Host as :authority
	"REQ(X-ENVOY-ORIGINAL-HOST?:AUTHORITY)":          fAuthority,
	"UPSTREAM_HOST":                                  fUpstreamHost,
	"UPSTREAM_CLUSTER":                               fUpstreamCluster,
	"UPSTREAM_CLUSTER_RAW":                           fUpstreamCluster,
	"UPSTREAM_LOCAL_ADDRESS":                         fUpstreamLocal,
	"DOWNSTREAM_LOCAL_ADDRESS":                       fDownstreamLocal,
	"DOWNSTREAM_REMOTE_ADDRESS":                      fDownstreamRemote,
	"REQUESTED_SERVER_NAME":                          fSNI,
	"ROUTE_NAME":                                     fRoute,
	"TRACE_ID":                                       fTraceID,
	"REQ(X-B3-TRACEID)":                              fTraceID,
	"REQ(TRACEPARENT)":                               fTraceparent,
}

// headerCommands take a header name as argument; header names are
// case-insensitive, so their argument is upper-cased by commandKey.
var headerCommands = map[string]bool{
	"REQ": true, "RESP": true, "TRAILER": true, "REQ_WITHOUT_QUERY": true,
}

// commandKey normalises an operator for the commands table. START_TIME's
// argument is its time format, not part of its identity.
func commandKey(name, arg string, hasArg bool) string {
	switch {
	case !hasArg || name == "START_TIME":
		return name
	case headerCommands[name]:
		return name + "(" + strings.ToUpper(arg) + ")"
	default:
		return name + "(" + arg + ")"
	}
}

// blank is the record every parse starts from: unknown durations are -1
// (storage.AccessLog's contract), so a format without DURATION yields -1.
var blank = storage.AccessLog{DurationMicros: -1, UpstreamServiceMicros: -1}

// stringField returns the string column of f, or nil for non-string fields.
func stringField(r *storage.AccessLog, f field) *string {
	switch f {
	case fMethod:
		return &r.Method
	case fPath:
		return &r.Path
	case fProtocol:
		return &r.Protocol
	case fFlags:
		return &r.ResponseFlags
	case fDetails:
		return &r.ResponseCodeDetails
	case fConnTermination:
		return &r.ConnTerminationInfo
	case fUpstreamFailure:
		return &r.UpstreamFailure
	case fXFF:
		return &r.XForwardedFor
	case fUserAgent:
		return &r.UserAgent
	case fRequestID:
		return &r.RequestID
	case fAuthority:
		return &r.Authority
	case fUpstreamHost:
		return &r.UpstreamHost
	case fUpstreamCluster:
		return &r.UpstreamCluster
	case fUpstreamLocal:
		return &r.UpstreamLocalAddress
	case fDownstreamLocal:
		return &r.DownstreamLocal
	case fDownstreamRemote:
		return &r.DownstreamRemote
	case fSNI:
		return &r.SNI
	case fRoute:
		return &r.RouteName
	case fTraceID, fTraceparent:
		return &r.TraceID
	}
	return nil
}

// intField returns the int64 column of f, or nil.
func intField(r *storage.AccessLog, f field) *int64 {
	switch f {
	case fDuration:
		return &r.DurationMicros
	case fUpstreamService:
		return &r.UpstreamServiceMicros
	case fBytesReceived:
		return &r.BytesReceived
	case fBytesSent:
		return &r.BytesSent
	}
	return nil
}
