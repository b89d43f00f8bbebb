package telemetry

import (
	"strconv"
	"unicode/utf8"
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
	return appendQuoted(b, s, false)
}

// appendQuoted appends s as a JSON string exactly as encoding/json
// writes it (with escapeHTML as json.Marshal has it on): short escapes
// for \b \f \n \r \t, \u00XX for other control bytes, U+2028 and U+2029
// escaped, and invalid UTF-8 replaced by U+FFFD.
func appendQuoted(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s, escapeHTML)
	return append(b, '"')
}

// appendEscaped is appendQuoted without the quotes.
func appendEscaped(b []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	safe := &jsonSafe
	if escapeHTML {
		safe = &jsonHTMLSafe
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// jsonSafe and jsonHTMLSafe say which ASCII bytes appendQuoted copies
// as they are.
var jsonSafe, jsonHTMLSafe = func() (plain, html [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}()
