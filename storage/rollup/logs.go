package rollup

import (
	"strings"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// AddAccessLogs adds access-log records (source "logs"), with their derived
// source and destination (storage/cluster) already set.
//
// The reporter is the record's Reporter.Direction. Protocol is "tcp" for
// records without an HTTP protocol (or "TCP"), "grpc" when the user agent
// is a gRPC one, else "http". Durations are converted to milliseconds;
// negative (unknown) ones count as requests but not in the sketch. mTLS is
// known for destination-reported records only: the inbound listener's SNI
// (%REQUESTED_SERVER_NAME%) is Istio's "outbound_.port_.subset_.fqdn" when
// the caller's sidecar used Istio mutual TLS, and empty for plaintext.
func (b *Builder) AddAccessLogs(rows []storage.AccessLog) {
	for i := range rows {
		r := &rows[i]
		k := storage.RollupKey{
			Minute:    Minute(r.Start),
			CodeClass: codeClass(r.ResponseCode),
			Source:    storage.RollupSourceLogs,
			Reporter:  reporter(r.Reporter.Direction),
			Edge: storage.Edge{
				SourceService: orUnknown(r.SourceService), SourceNamespace: r.SourceNamespace, SourceVersion: r.SourceVersion,
				DestinationService: orUnknown(r.DestinationService), DestinationNamespace: r.DestinationNamespace,
				DestinationVersion: r.DestinationVersion, Protocol: logProtocol(r),
			},
		}
		c := outcome(r.ResponseCode, r.ResponseFlags)
		c.BytesIn, c.BytesOut = r.BytesReceived, r.BytesSent
		if k.Reporter == "destination" {
			c.MTLSKnown = 1
			if strings.HasPrefix(r.SNI, "outbound_") {
				c.MTLSRequests = 1
			}
		}
		ms := -1.0
		if r.DurationMicros >= 0 {
			ms = float64(r.DurationMicros) / 1000
		}
		b.observe(k, c, ms)
	}
}

func logProtocol(r *storage.AccessLog) string {
	switch {
	case r.Protocol == "" || strings.EqualFold(r.Protocol, "tcp"):
		return "tcp"
	case strings.HasPrefix(r.UserAgent, "grpc-"):
		return "grpc"
	default:
		return "http"
	}
}

func reporter(direction string) string {
	if direction == "source" {
		return "source"
	}
	return "destination"
}

func orUnknown(s string) string {
	if s == "" {
		return cluster.Unknown
	}
	return s
}
