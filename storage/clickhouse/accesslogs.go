package clickhouse

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/meshlens/meshlens/storage"
)

type al = storage.AccessLog

// accessLogColumns is the access_logs schema, one typed column per
// storage.AccessLog field; the table then has day, request_hash,
// response_flag_bits, row_hash and row_seq.
var accessLogColumns = columns[al]{
	microsCol("start_us", func(r *al) *time.Time { return &r.Start }),
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

// requestHash is the request_hash column: the last 8 bytes of the id's
// MD5, little-endian, as the embedded backend computes it. A lookup by
// request id reads the index tables by this key.
func requestHash(id string) uint64 {
	sum := md5.Sum([]byte(id))
	return binary.LittleEndian.Uint64(sum[8:])
}

// maxFutureSkew bounds how far ahead of the clock a record may start: a
// record further ahead is a clock or parse error.
const maxFutureSkew = 24 * time.Hour

// maxReportedRejects bounds how many rejected rows an error names.
const maxReportedRejects = 3

// WriteAccessLogs implements storage.AccessLogWriter: the records go to
// access_logs in one INSERT (one batch; the request-id index is filled by a
// materialized view), Start truncated to microseconds. A nil error means
// ClickHouse acknowledged the insert.
//
// An exact replay stores nothing new: each row's key ends in the hash of
// all its columns and its occurrence number among identical rows of the
// batch, and readers use FINAL. Identical records within one batch are all
// kept.
//
// Records that start before now−Retention or more than a day in the future
// are not stored; they are reported in a *storage.RejectedError after the
// rest of the batch is stored.
func (b *Backend) WriteAccessLogs(ctx context.Context, rows []storage.AccessLog) error {
	now := time.Now()
	oldest, newest := now.Add(-b.cfg.retention()), now.Add(maxFutureSkew)
	rej := &storage.RejectedError{Signal: "access_logs"}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("access_logs")+" ("+accessLogColumns.names("")+
		", day, request_hash, response_flag_bits, row_hash, row_seq)")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into access_logs: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	seq := seqCounter{}
	vals := make([]any, 0, len(accessLogColumns)+5)
	n := 0
	for i := range rows {
		r := &rows[i]
		if r.Start.Before(oldest) || r.Start.After(newest) {
			rej.Rejected++
			if len(rej.Examples) < maxReportedRejects {
				rej.Examples = append(rej.Examples, fmt.Sprintf("request %q at %s: outside [%s, %s]",
					r.RequestID, r.Start.UTC().Format(time.RFC3339Nano), oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)))
			}
			continue
		}
		vals = accessLogColumns.values(r, vals[:0])
		h := hashValues(vals)
		vals = append(vals, utcDay(r.Start), requestHash(r.RequestID), flagBits(r.ResponseFlags), h, seq.next(h))
		if err := batch.Append(vals...); err != nil {
			return fmt.Errorf("clickhouse: appending to access_logs: %w", err)
		}
		n++
	}
	if n > 0 {
		if err := batch.Send(); err != nil {
			return fmt.Errorf("clickhouse: inserting %d access logs: %w", n, err)
		}
	}
	if rej.Rejected > 0 {
		return rej
	}
	return nil
}
