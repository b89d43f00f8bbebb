package embedded

import (
	"crypto/md5"
	"database/sql/driver"
	"encoding/binary"
	"time"

	"github.com/meshlens/meshlens/storage"
)

type al = storage.AccessLog

// accessLogColumns is the access_logs schema, one typed column per
// storage.AccessLog field (durations in µs, times TIMESTAMPTZ µs). Each day
// table then has request_hash, response_flag_bits and row_hash.
var accessLogColumns = columns[al]{
	timeCol("start", func(r *al) *time.Time { return &r.Start }),
	int64Col("duration_us", func(r *al) *int64 { return &r.DurationMicros }),
	stringCol("method", func(r *al) *string { return &r.Method }),
	stringCol("path", func(r *al) *string { return &r.Path }),
	stringCol("protocol", func(r *al) *string { return &r.Protocol }),
	int32Col("response_code", func(r *al) *int32 { return &r.ResponseCode }),
	stringCol("response_flags", func(r *al) *string { return &r.ResponseFlags }),
	stringCol("response_code_details", func(r *al) *string { return &r.ResponseCodeDetails }),
	stringCol("connection_termination_details", func(r *al) *string { return &r.ConnTerminationInfo }),
	stringCol("upstream_transport_failure_reason", func(r *al) *string { return &r.UpstreamFailure }),
	int64Col("bytes_received", func(r *al) *int64 { return &r.BytesReceived }),
	int64Col("bytes_sent", func(r *al) *int64 { return &r.BytesSent }),
	int64Col("upstream_service_time_us", func(r *al) *int64 { return &r.UpstreamServiceMicros }),
	stringCol("x_forwarded_for", func(r *al) *string { return &r.XForwardedFor }),
	stringCol("user_agent", func(r *al) *string { return &r.UserAgent }),
	stringCol("request_id", func(r *al) *string { return &r.RequestID }),
	stringCol("authority", func(r *al) *string { return &r.Authority }),
	stringCol("upstream_host", func(r *al) *string { return &r.UpstreamHost }),
	stringCol("upstream_cluster", func(r *al) *string { return &r.UpstreamCluster }),
	stringCol("upstream_local_address", func(r *al) *string { return &r.UpstreamLocalAddress }),
	stringCol("downstream_local_address", func(r *al) *string { return &r.DownstreamLocal }),
	stringCol("downstream_remote_address", func(r *al) *string { return &r.DownstreamRemote }),
	stringCol("requested_server_name", func(r *al) *string { return &r.SNI }),
	stringCol("route_name", func(r *al) *string { return &r.RouteName }),
	stringCol("trace_id", func(r *al) *string { return &r.TraceID }),
	stringCol("reporter", func(r *al) *string { return &r.Reporter.Direction }),
	stringCol("reporter_service", func(r *al) *string { return &r.Reporter.Service }),
	stringCol("reporter_namespace", func(r *al) *string { return &r.Reporter.Namespace }),
	stringCol("reporter_version", func(r *al) *string { return &r.Reporter.Version }),
	stringCol("reporter_workload", func(r *al) *string { return &r.Reporter.Workload }),
	stringCol("source_service", func(r *al) *string { return &r.SourceService }),
	stringCol("source_namespace", func(r *al) *string { return &r.SourceNamespace }),
	stringCol("source_version", func(r *al) *string { return &r.SourceVersion }),
	stringCol("destination_service", func(r *al) *string { return &r.DestinationService }),
	stringCol("destination_namespace", func(r *al) *string { return &r.DestinationNamespace }),
	stringCol("destination_version", func(r *al) *string { return &r.DestinationVersion }),
}

// requestHashColumn makes a request-id lookup a scan of one 8-byte column
// instead of a string column: md5_number_lower(request_id), i.e. the last 8
// bytes of the id's MD5, little-endian. It is computed in Go (writes and
// lookups); MD5, unlike DuckDB's hash(), never changes, so stored values
// stay valid across upgrades, and ad-hoc SQL can use the same expression.
const requestHashColumn = "request_hash"

func requestHash(id string) uint64 {
	sum := md5.Sum([]byte(id))
	return binary.LittleEndian.Uint64(sum[8:])
}

var accessLogTable = appendTable[storage.AccessLog]{
	name:       "access_logs",
	cols:       accessLogColumns,
	timeColumn: "start",
	timeOf:     func(r *al) time.Time { return r.Start },
	derivedDDL: ",\n\t" + requestHashColumn + " UBIGINT NOT NULL,\n\t" + responseFlagBitsColumn + " BIGINT NOT NULL",
	derived: func(r *al, vals []driver.Value) []driver.Value {
		return append(vals, requestHash(r.RequestID), flagBits(r.ResponseFlags))
	},
}
