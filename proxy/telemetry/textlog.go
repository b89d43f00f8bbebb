package telemetry

import (
	"strconv"
	"strings"
	"time"
)

// istioTextFormat is the format appendText renders, Istio's default text
// access-log format from 1.23 on (istio/istio pilot/pkg/model/
// telemetry_logging.go EnvoyTextLogFormat), which differs from 1.9–1.22's
// only in %UPSTREAM_CLUSTER_RAW% for %UPSTREAM_CLUSTER% (the same value
// here: this proxy has no alt_stat_name). Tests compile it with the
// receiver's parser to check the two agree.
const istioTextFormat = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
	`%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ` +
	`"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
	`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
	`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% ` +
	`%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ` +
	`%REQUESTED_SERVER_NAME% %ROUTE_NAME%` + "\n"

// startTimeLayout is Envoy's default %START_TIME%: UTC, milliseconds.
const startTimeLayout = "2006-01-02T15:04:05.000Z"

// appendText appends r as one line of istioTextFormat, as Envoy renders
// it: "-" for an empty value, durations in whole milliseconds (truncated),
// a negative upstream service time as "-". Values are written as Envoy
// writes them, unescaped, except that CR and LF become spaces so a value
// can never start a forged line.
func appendText(b []byte, r *Record) []byte {
	b = append(b, '[')
	b = r.Start.UTC().AppendFormat(b, startTimeLayout)
	b = append(b, "] \""...)
	b = appendValue(b, r.Method)
	b = append(b, ' ')
	b = appendValue(b, r.Path)
	b = append(b, ' ')
	b = appendValue(b, r.Protocol)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(r.ResponseCode), 10)
	b = append(b, ' ')
	b = appendValue(b, r.ResponseFlags)
	b = append(b, ' ')
	b = appendValue(b, r.ResponseCodeDetails)
	b = append(b, ' ')
	b = appendValue(b, r.ConnectionTerminationDetails)
	b = append(b, " \""...)
	b = appendValue(b, r.UpstreamTransportFailureReason)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, r.BytesReceived, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, r.BytesSent, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, millis(r.Duration), 10)
	b = append(b, ' ')
	if r.UpstreamServiceTime < 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, millis(r.UpstreamServiceTime), 10)
	}
	b = append(b, " \""...)
	b = appendValue(b, r.XForwardedFor)
	b = append(b, "\" \""...)
	b = appendValue(b, r.UserAgent)
	b = append(b, "\" \""...)
	b = appendValue(b, r.RequestID)
	b = append(b, "\" \""...)
	b = appendValue(b, r.Authority)
	b = append(b, "\" \""...)
	b = appendValue(b, r.UpstreamHost)
	b = append(b, "\" "...)
	for i, v := range [...]string{r.UpstreamCluster, r.UpstreamLocalAddress, r.DownstreamLocalAddress,
		r.DownstreamRemoteAddress, r.RequestedServerName, r.RouteName} {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendValue(b, v)
	}
	return append(b, '\n')
}

// millis is Envoy's duration_cast<milliseconds>: truncation.
func millis(d time.Duration) int64 { return int64(d / time.Millisecond) }

func appendValue(b []byte, v string) []byte {
	if v == "" {
		return append(b, '-')
	}
	start := len(b)
	b = append(b, v...)
	if strings.IndexByte(v, '\n') < 0 && strings.IndexByte(v, '\r') < 0 {
		return b // the common case, scanned by the assembly IndexByte
	}
	for i := start; i < len(b); i++ {
		if b[i] == '\n' || b[i] == '\r' {
			b[i] = ' '
		}
	}
	return b
}
