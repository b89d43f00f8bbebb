// Package remotewrite is meshlens' Prometheus remote-write intake: an
// http.Handler for POST /api/v1/write that decodes remote write 1.0 and 2.0
// requests and hands them on as pmetric.Metrics. It imports no collector
// package but pdata; receivers/prometheus wires it into a receiver.
//
// # Protocol
//
// Content-Type application/x-protobuf (or with proto=prometheus.WriteRequest)
// is remote write 1.0; proto=io.prometheus.write.v2.Request is 2.0. Like
// Prometheus' own receiver, a request without Content-Type is taken as 1.0
// and one without Content-Encoding as snappy. The body is a snappy block.
//
// Answers, all with a text message naming the problem:
//
//   - 204: everything was written.
//   - 400: the body is not snappy or not the protobuf message; or some
//     series could not be written: bad labels (missing __name__, unsorted or
//     duplicate names, empty names, invalid UTF-8), bad 2.0 symbol refs,
//     timestamps nanoseconds cannot hold, a 2.0 series without samples, or
//     native histogram samples, which meshlens does not store. Such a
//     request is a partial write, as the 2.0 spec has it: the good series
//     are handed to consume first, and the message names the first few bad
//     ones. Senders do not retry a 400.
//   - 405 (not POST), 413 (over Config.MaxBodyBytes, decided from the snappy
//     length header before decoding), 415 (other content type, proto
//     message or encoding).
//   - consume errors: 500, or 503 when marked Retryable (or a context
//     error), so the sender retries; 400 when marked Permanent.
//
// 2.0 answers carry X-Prometheus-Remote-Write-Samples-Written (float samples
// handed to consume; 0 when consume failed) and the -Histograms-Written and
// -Exemplars-Written headers, always 0: native histograms are refused and
// exemplars are not stored (Stats counts them as dropped). 1.0 answers carry
// none, as Prometheus' receiver does.
//
// # Mapping (the storage/rowconv contract)
//
// Each series keeps its exact name and labels: __name__ is the metric name,
// every other label a data point attribute, unchanged and in the sender's
// order; the resource has no attributes (remote write has no target, job
// and instance are ordinary labels). Flattened classic histograms and
// summaries stay flattened (_bucket with le, _sum, _count). Consecutive
// series with the same name (and, in 2.0, the same metadata) share one
// pmetric.Metric. A series whose metadata says counter becomes a monotonic
// cumulative Sum (2.0's start timestamp becomes the point's start time);
// every other series a Gauge. Metadata sets Description (HELP), Unit and
// the metric metadata keys rowconv.MetadataTypeKey and, when the family name
// is not the series name, rowconv.MetadataFamilyKey: 1.0 metadata is matched
// to series by family name (the series name, or the name minus the suffix
// its type exposes, e.g. _bucket for a histogram); 1.0 entries no series of
// the request matches, which is how Prometheus sends them, travel as
// metrics without points. 2.0 metadata comes with each series; its family
// is inferred from the name and type the same way. Staleness markers keep
// their StaleNaN value and set the NoRecordedValue flag. Timestamps go from
// milliseconds to nanoseconds.
//
// # Telemetry
//
// Handler.Stats returns counters of requests, rejections by Reason, samples
// accepted and rejected, exemplars dropped and metadata accepted; the
// wiring exports them. Rejections are logged at warn level, 5xx at error.
package remotewrite
