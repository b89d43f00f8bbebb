package remotewrite

import "sync/atomic"

// Reason names why a request was not fully accepted. Reasons are stable
// strings, meant as a metric label value.
type Reason string

// The reasons a request is rejected, in full or in part.
const (
	ReasonMethod           Reason = "method"            // 405: not a POST
	ReasonContentType      Reason = "content_type"      // 415: not a remote-write protobuf message
	ReasonEncoding         Reason = "encoding"          // 415: not snappy
	ReasonTooLarge         Reason = "too_large"         // 413: over Config.MaxBodyBytes
	ReasonReadBody         Reason = "read_body"         // 400: the body could not be read
	ReasonSnappy           Reason = "snappy"            // 400: not a valid snappy block
	ReasonProtobuf         Reason = "protobuf"          // 400: not a valid protobuf message
	ReasonInvalidSeries    Reason = "invalid_series"    // 400: series with bad labels, symbols or timestamps
	ReasonNativeHistogram  Reason = "native_histogram"  // 400: native histogram samples, which are not stored
	ReasonConsumePermanent Reason = "consume_permanent" // 400: the pipeline refused the data for good
	ReasonConsumeRetryable Reason = "consume_retryable" // 503: the pipeline is temporarily unable to take data
	ReasonConsumeFailed    Reason = "consume_failed"    // 500: the pipeline failed
)

// reasons lists every Reason; Stats reports each of them, zero or not.
var reasons = []Reason{
	ReasonMethod, ReasonContentType, ReasonEncoding, ReasonTooLarge, ReasonReadBody,
	ReasonSnappy, ReasonProtobuf, ReasonInvalidSeries, ReasonNativeHistogram,
	ReasonConsumePermanent, ReasonConsumeRetryable, ReasonConsumeFailed,
}

// Stats are a Handler's counters since it was created. The wiring package
// exports them as its own telemetry; the handler itself registers nothing.
type Stats struct {
	// Requests counts requests answered, whatever the status.
	Requests uint64
	// Rejected counts requests not answered 2xx, by the reason that set the
	// status. A request whose good series were written but some series were
	// not (a 400 partial write) counts here too.
	Rejected map[Reason]uint64
	// SamplesAccepted counts float samples handed to consume that it took.
	SamplesAccepted uint64
	// SamplesRejected counts float and native-histogram samples not
	// accepted: in rejected series or requests, or refused by consume.
	SamplesRejected uint64
	// ExemplarsDropped counts exemplars received; meshlens does not store
	// exemplars, and remote write 2.0 senders are told so by the
	// X-Prometheus-Remote-Write-Exemplars-Written header.
	ExemplarsDropped uint64
	// MetadataAccepted counts metadata entries (1.0) and series metadata
	// (2.0) handed to consume that it took.
	MetadataAccepted uint64
}

// counters is the lock-free backing of Stats.
type counters struct {
	requests, samplesAccepted, samplesRejected, exemplarsDropped, metadataAccepted atomic.Uint64
	rejected                                                                       map[Reason]*atomic.Uint64
}

func newCounters() *counters {
	c := &counters{rejected: make(map[Reason]*atomic.Uint64, len(reasons))}
	for _, r := range reasons {
		c.rejected[r] = new(atomic.Uint64)
	}
	return c
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Requests:         c.requests.Load(),
		Rejected:         make(map[Reason]uint64, len(c.rejected)),
		SamplesAccepted:  c.samplesAccepted.Load(),
		SamplesRejected:  c.samplesRejected.Load(),
		ExemplarsDropped: c.exemplarsDropped.Load(),
		MetadataAccepted: c.metadataAccepted.Load(),
	}
	for r, n := range c.rejected {
		s.Rejected[r] = n.Load()
	}
	return s
}
