package rowconv

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/meshlens/meshlens/storage"
)

// Access logs in pdata
//
// An access-log record is a plog.LogRecord whose attributes use the keys of
// Istio's JSON access-log encoding (start_time, method, path, protocol,
// response_code, response_flags, …, see the Attr* constants), so that OTLP
// logs from an Envoy OpenTelemetry access logger configured with those keys
// map to the same columns. Numbers may be ints, doubles or strings;
// `duration` and `upstream_service_time` are milliseconds (doubles keep
// microseconds). The record's Timestamp is the request start when
// start_time is absent. The reporter is on the Resource (ResourceService,
// ResourceNamespace, ResourceVersion, ResourceWorkload); the derived sides
// and direction are attributes (AttrDirection, AttrSourceService, …).
//
// A dead letter (a line that could not be parsed) is a LogRecord with
// EventName EventDeadLetter: its Body is the raw bytes, AttrError and
// AttrSource say why and where from.

// Event names marking meshlens' own log records.
const (
	EventAccessLog  = "meshlens.access_log"
	EventDeadLetter = "meshlens.dead_letter"
)

// Resource attributes naming the reporting proxy.
const (
	ResourceService   = "service.name"
	ResourceNamespace = "service.namespace"
	ResourceVersion   = "service.version"
	ResourceWorkload  = "meshlens.workload"
)

// Log record attribute keys (Istio JSON access-log names, plus derived ones).
const (
	AttrStartTime            = "start_time"
	AttrMethod               = "method"
	AttrPath                 = "path"
	AttrProtocol             = "protocol"
	AttrResponseCode         = "response_code"
	AttrResponseFlags        = "response_flags"
	AttrResponseCodeDetails  = "response_code_details"
	AttrConnTermination      = "connection_termination_details"
	AttrUpstreamFailure      = "upstream_transport_failure_reason"
	AttrBytesReceived        = "bytes_received"
	AttrBytesSent            = "bytes_sent"
	AttrDuration             = "duration"
	AttrUpstreamServiceTime  = "upstream_service_time"
	AttrXForwardedFor        = "x_forwarded_for"
	AttrUserAgent            = "user_agent"
	AttrRequestID            = "request_id"
	AttrAuthority            = "authority"
	AttrUpstreamHost         = "upstream_host"
	AttrUpstreamCluster      = "upstream_cluster"
	AttrUpstreamLocalAddress = "upstream_local_address"
	AttrDownstreamLocal      = "downstream_local_address"
	AttrDownstreamRemote     = "downstream_remote_address"
	AttrSNI                  = "requested_server_name"
	AttrRouteName            = "route_name"
	AttrTraceID              = "trace_id"

	AttrDirection            = "meshlens.reporter.direction"
	AttrSourceService        = "source_service"
	AttrSourceNamespace      = "source_namespace"
	AttrSourceVersion        = "source_version"
	AttrDestinationService   = "destination_service"
	AttrDestinationNamespace = "destination_namespace"
	AttrDestinationVersion   = "destination_version"

	AttrError  = "meshlens.error"
	AttrSource = "meshlens.source"
	AttrSignal = "meshlens.signal"
)

// strField binds an attribute key to a string column.
type strField struct {
	key string
	get func(*storage.AccessLog) *string
}

var strFields = []strField{
	{AttrMethod, func(r *storage.AccessLog) *string { return &r.Method }},
	{AttrPath, func(r *storage.AccessLog) *string { return &r.Path }},
	{AttrProtocol, func(r *storage.AccessLog) *string { return &r.Protocol }},
	{AttrResponseFlags, func(r *storage.AccessLog) *string { return &r.ResponseFlags }},
	{AttrResponseCodeDetails, func(r *storage.AccessLog) *string { return &r.ResponseCodeDetails }},
	{AttrConnTermination, func(r *storage.AccessLog) *string { return &r.ConnTerminationInfo }},
	{AttrUpstreamFailure, func(r *storage.AccessLog) *string { return &r.UpstreamFailure }},
	{AttrXForwardedFor, func(r *storage.AccessLog) *string { return &r.XForwardedFor }},
	{AttrUserAgent, func(r *storage.AccessLog) *string { return &r.UserAgent }},
	{AttrRequestID, func(r *storage.AccessLog) *string { return &r.RequestID }},
	{AttrAuthority, func(r *storage.AccessLog) *string { return &r.Authority }},
	{AttrUpstreamHost, func(r *storage.AccessLog) *string { return &r.UpstreamHost }},
	{AttrUpstreamCluster, func(r *storage.AccessLog) *string { return &r.UpstreamCluster }},
	{AttrUpstreamLocalAddress, func(r *storage.AccessLog) *string { return &r.UpstreamLocalAddress }},
	{AttrDownstreamLocal, func(r *storage.AccessLog) *string { return &r.DownstreamLocal }},
	{AttrDownstreamRemote, func(r *storage.AccessLog) *string { return &r.DownstreamRemote }},
	{AttrSNI, func(r *storage.AccessLog) *string { return &r.SNI }},
	{AttrRouteName, func(r *storage.AccessLog) *string { return &r.RouteName }},
	{AttrTraceID, func(r *storage.AccessLog) *string { return &r.TraceID }},
	{AttrDirection, func(r *storage.AccessLog) *string { return &r.Reporter.Direction }},
	{AttrSourceService, func(r *storage.AccessLog) *string { return &r.SourceService }},
	{AttrSourceNamespace, func(r *storage.AccessLog) *string { return &r.SourceNamespace }},
	{AttrSourceVersion, func(r *storage.AccessLog) *string { return &r.SourceVersion }},
	{AttrDestinationService, func(r *storage.AccessLog) *string { return &r.DestinationService }},
	{AttrDestinationNamespace, func(r *storage.AccessLog) *string { return &r.DestinationNamespace }},
	{AttrDestinationVersion, func(r *storage.AccessLog) *string { return &r.DestinationVersion }},
}

// intField binds an attribute key to an integer column.
type intField struct {
	key string
	get func(*storage.AccessLog) *int64
}

var intFields = []intField{
	{AttrBytesReceived, func(r *storage.AccessLog) *int64 { return &r.BytesReceived }},
	{AttrBytesSent, func(r *storage.AccessLog) *int64 { return &r.BytesSent }},
}

// AppendAccessLogs adds recs to ld, one ResourceLogs per run of records with
// the same reporter. It copies everything it needs from recs.
func AppendAccessLogs(ld plog.Logs, recs []storage.AccessLog) {
	var lrs plog.LogRecordSlice
	var cur storage.Reporter
	for i := range recs {
		r := &recs[i]
		rep := r.Reporter
		rep.Direction = ""
		if i == 0 || rep != cur {
			cur = rep
			rl := ld.ResourceLogs().AppendEmpty()
			putReporter(rl.Resource().Attributes(), rep)
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(ScopeName)
			lrs = sl.LogRecords()
		}
		accessLogToRecord(r, lrs.AppendEmpty())
	}
}

func putReporter(m pcommon.Map, rep storage.Reporter) {
	for _, kv := range [...][2]string{
		{ResourceService, rep.Service}, {ResourceNamespace, rep.Namespace},
		{ResourceVersion, rep.Version}, {ResourceWorkload, rep.Workload},
	} {
		if kv[1] != "" {
			m.PutStr(kv[0], kv[1])
		}
	}
}

func accessLogToRecord(r *storage.AccessLog, lr plog.LogRecord) {
	lr.SetEventName(EventAccessLog)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(r.Start))
	a := lr.Attributes()
	a.EnsureCapacity(len(strFields) + 8)
	if r.ResponseCode != 0 || r.Protocol != "" {
		a.PutInt(AttrResponseCode, int64(r.ResponseCode))
	}
	for _, f := range strFields {
		if v := *f.get(r); v != "" {
			a.PutStr(f.key, v)
		}
	}
	for _, f := range intFields {
		a.PutInt(f.key, *f.get(r))
	}
	if r.DurationMicros >= 0 {
		a.PutDouble(AttrDuration, float64(r.DurationMicros)/1000)
	}
	if r.UpstreamServiceMicros >= 0 {
		a.PutDouble(AttrUpstreamServiceTime, float64(r.UpstreamServiceMicros)/1000)
	}
}

// AppendDeadLetters adds dead letters to ld under one resource.
func AppendDeadLetters(ld plog.Logs, dls []storage.DeadLetter) {
	if len(dls) == 0 {
		return
	}
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(ScopeName)
	for i := range dls {
		d := &dls[i]
		lr := sl.LogRecords().AppendEmpty()
		lr.SetEventName(EventDeadLetter)
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(d.Received))
		lr.Body().SetEmptyBytes().FromRaw(d.Raw)
		a := lr.Attributes()
		a.PutStr(AttrError, d.Error)
		a.PutStr(AttrSource, d.Source)
		a.PutStr(AttrSignal, d.Signal)
		a.PutInt("meshlens.size", int64(d.Size))
	}
}

// receivedTime is the time a record is taken as received when pdata carries
// no observed timestamp.
func receivedTime(lr plog.LogRecord) time.Time {
	if ts := lr.ObservedTimestamp(); ts != 0 {
		return ts.AsTime()
	}
	return time.Now()
}
