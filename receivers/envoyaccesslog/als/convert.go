package als

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// upstreamServiceTime is the response header carrying %RESP(X-ENVOY-
// UPSTREAM-SERVICE-TIME)%, present when Envoy's ALS config lists it in
// additional_response_headers_to_log.
const upstreamServiceTime = "x-envoy-upstream-service-time"

var (
	errNoCommon = errors.New("entry has no common_properties")
	errNoStart  = errors.New("entry has no start_time")
)

// badEntry is an entry that could not be converted into a row.
type badEntry struct {
	entry proto.Message
	err   error
}

// convertMessage appends msg's entries to recs as rows reported by rep,
// and the entries it cannot convert to bad.
func convertMessage(msg *accesslogv3.StreamAccessLogsMessage, rep storage.Reporter, recs []storage.AccessLog, bad []badEntry) ([]storage.AccessLog, []badEntry) {
	for _, e := range msg.GetHttpLogs().GetLogEntry() {
		var rec storage.AccessLog
		if err := convertHTTP(e, &rec); err != nil {
			bad = append(bad, badEntry{entry: e, err: err})
			continue
		}
		recs = append(recs, finish(&rec, rep))
	}
	for _, e := range msg.GetTcpLogs().GetLogEntry() {
		var rec storage.AccessLog
		if err := convertTCP(e, &rec); err != nil {
			bad = append(bad, badEntry{entry: e, err: err})
			continue
		}
		recs = append(recs, finish(&rec, rep))
	}
	return recs, bad
}

func finish(rec *storage.AccessLog, rep storage.Reporter) storage.AccessLog {
	rec.Reporter = rep
	cluster.Derive(rec)
	return *rec
}

// convertHTTP fills rec from an HTTP entry, as Envoy's text access log
// would render it (Path is %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%, bytes are
// body bytes).
func convertHTTP(e *datav3.HTTPAccessLogEntry, rec *storage.AccessLog) error {
	if err := convertCommon(e.GetCommonProperties(), rec); err != nil {
		return err
	}
	req, resp := e.GetRequest(), e.GetResponse()
	if rec.DurationMicros < 0 {
		rec.DurationMicros = micros(e.GetCommonProperties().GetTimeToLastDownstreamTxByte())
	}
	rec.Method = method(req.GetRequestMethod())
	rec.Path = firstOf(req.GetOriginalPath(), req.GetPath())
	rec.Protocol = protocol(e.GetProtocolVersion())
	rec.ResponseCode = int32(min(resp.GetResponseCode().GetValue(), math.MaxInt32))
	rec.ResponseCodeDetails = resp.GetResponseCodeDetails()
	rec.BytesReceived = clampInt64(req.GetRequestBodyBytes())
	rec.BytesSent = clampInt64(resp.GetResponseBodyBytes())
	rec.UpstreamServiceMicros = headerMillis(resp.GetResponseHeaders()[upstreamServiceTime])
	rec.XForwardedFor = req.GetForwardedFor()
	rec.UserAgent = req.GetUserAgent()
	rec.RequestID = req.GetRequestId()
	rec.Authority = req.GetAuthority()
	rec.TraceID = traceID(req.GetRequestHeaders())
	return nil
}

// convertTCP fills rec from a TCP entry: no method, path, protocol or
// response code; bytes are the connection's.
func convertTCP(e *datav3.TCPAccessLogEntry, rec *storage.AccessLog) error {
	if err := convertCommon(e.GetCommonProperties(), rec); err != nil {
		return err
	}
	rec.BytesReceived = clampInt64(e.GetConnectionProperties().GetReceivedBytes())
	rec.BytesSent = clampInt64(e.GetConnectionProperties().GetSentBytes())
	rec.UpstreamServiceMicros = -1
	return nil
}

// convertCommon fills the fields HTTP and TCP entries share. An entry
// without a valid start time cannot be a row (rows are partitioned by it).
func convertCommon(c *datav3.AccessLogCommon, rec *storage.AccessLog) error {
	if c == nil {
		return errNoCommon
	}
	if c.GetStartTime() == nil {
		return errNoStart
	}
	if err := c.GetStartTime().CheckValid(); err != nil {
		return fmt.Errorf("start_time: %w", err)
	}
	rec.Start = c.GetStartTime().AsTime()
	rec.DurationMicros = micros(c.GetDuration())
	rec.ResponseFlags = FlagsString(c.GetResponseFlags())
	rec.ConnTerminationInfo = c.GetConnectionTerminationDetails()
	rec.UpstreamFailure = c.GetUpstreamTransportFailureReason()
	rec.UpstreamHost = address(c.GetUpstreamRemoteAddress())
	rec.UpstreamCluster = c.GetUpstreamCluster()
	rec.UpstreamLocalAddress = address(c.GetUpstreamLocalAddress())
	rec.DownstreamLocal = address(c.GetDownstreamLocalAddress())
	rec.DownstreamRemote = address(c.GetDownstreamRemoteAddress())
	rec.SNI = c.GetTlsProperties().GetTlsSniHostname()
	rec.RouteName = c.GetRouteName()
	return nil
}

// micros converts a proto duration; absent or invalid gives -1 (Envoy's "-").
func micros(d *durationpb.Duration) int64 {
	if d == nil || d.CheckValid() != nil || d.AsDuration() < 0 {
		return -1
	}
	return d.AsDuration().Microseconds()
}

// headerMillis parses an integer-milliseconds header; absent or invalid
// gives -1.
func headerMillis(v string) int64 {
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ms < 0 || ms > math.MaxInt64/1000 {
		return -1
	}
	return ms * 1000
}

func method(m corev3.RequestMethod) string {
	if m == corev3.RequestMethod_METHOD_UNSPECIFIED {
		return ""
	}
	return corev3.RequestMethod_name[int32(m)] // "" for values this version does not know
}

func protocol(v datav3.HTTPAccessLogEntry_HTTPVersion) string {
	switch v {
	case datav3.HTTPAccessLogEntry_HTTP10:
		return "HTTP/1.0"
	case datav3.HTTPAccessLogEntry_HTTP11:
		return "HTTP/1.1"
	case datav3.HTTPAccessLogEntry_HTTP2:
		return "HTTP/2"
	case datav3.HTTPAccessLogEntry_HTTP3:
		return "HTTP/3"
	}
	return ""
}

// address renders an address as Envoy's access log does: "ip:port"
// ("[ipv6]:port"), a pipe's path, or "envoy://listener/endpoint".
func address(a *corev3.Address) string {
	switch {
	case a.GetSocketAddress() != nil:
		s := a.GetSocketAddress()
		if named := s.GetNamedPort(); named != "" {
			return net.JoinHostPort(s.GetAddress(), named)
		}
		return net.JoinHostPort(s.GetAddress(), strconv.FormatUint(uint64(s.GetPortValue()), 10))
	case a.GetPipe() != nil:
		return a.GetPipe().GetPath()
	case a.GetEnvoyInternalAddress() != nil:
		in := a.GetEnvoyInternalAddress()
		return "envoy://" + in.GetServerListenerName() + "/" + in.GetEndpointId()
	}
	return ""
}

// traceID takes the trace id from logged request headers: B3's
// x-b3-traceid, else W3C traceparent's second field.
func traceID(headers map[string]string) string {
	if id := headers["x-b3-traceid"]; id != "" {
		return id
	}
	if tp := headers["traceparent"]; tp != "" {
		if parts := strings.Split(tp, "-"); len(parts) == 4 {
			return parts[1]
		}
	}
	return ""
}

func clampInt64(v uint64) int64 { return int64(min(v, math.MaxInt64)) }
