// Package rowconv converts collector pdata into storage rows.
//
// # Metrics: the Prometheus ⇄ pdata mapping
//
// meshlens' Prometheus receivers (receivers/prometheus) turn scraped or
// remote-written samples into pmetric.Metrics, and this package turns them
// back into storage.Sample values. The two directions are exact inverses:
// for the same input, the series stored are exactly the series Prometheus
// itself would store (names, _bucket/_sum/_count, `le` labels, no extra
// labels). The contract both sides follow:
//
//   - Resource attributes carry the target labels (job, instance and any
//     static_configs labels). Data point attributes carry the series' own
//     labels. A series' labels are resource attributes ∪ point attributes
//     ∪ {__name__}; receivers resolve conflicts (honor_labels) before
//     building pdata, so point attributes win here only as a tie-break.
//   - Gauge and Sum: the metric name is the series name exactly as stored,
//     so a counter keeps its `_total` suffix. Monotonic cumulative Sum means
//     a Prometheus counter; everything else that is a single series is a
//     Gauge. Int and double values are both accepted.
//   - Histogram (classic, explicit buckets): the metric name is the family
//     name. It expands to name_bucket{le=…} with cumulative counts, a
//     name_bucket{le="+Inf"} equal to the sum of all bucket counts,
//     name_sum (only when HasSum) and name_count (= Count). `le` values are
//     formatted with FormatLabelFloat, as Prometheus 3 normalises them.
//   - Summary: name{quantile=…} (FormatLabelFloat), name_sum, name_count.
//   - A data point with the NoRecordedValue flag is a staleness marker: every
//     series it expands to gets value.StaleNaN at its timestamp.
//   - Timestamps are nanoseconds in pdata and milliseconds in storage
//     (truncated toward zero).
//   - Metric Description and Unit carry Prometheus HELP and UNIT; the metric
//     metadata map key MetadataTypeKey carries the Prometheus type as written
//     in the exposition ("counter", "gauge", "histogram", "summary",
//     "unknown", …) so that /api/v1/metadata answers as Prometheus does.
//   - Exponential histograms are not stored yet; they are counted and
//     reported as an error naming the metric.
//
// Details the rules above leave open, as this package implements them:
//
//   - Family name: Converter reports metadata under the metric metadata key
//     MetadataFamilyKey when present, else under the metric name. Receivers
//     set it when a pdata metric holds one flattened series of a family
//     (remote write's foo_bucket of histogram foo) or when the exposition
//     named the family apart from its series (OpenMetrics counter foo with
//     series foo_total). Metadata is reported only for metrics that carry
//     some (MetadataTypeKey, Description or Unit); a missing type is derived
//     from the pdata kind: monotonic cumulative Sum "counter", other
//     Gauge/Sum "gauge", Histogram "histogram", Summary "summary". A metric
//     with no data points may carry metadata alone (remote write 1.0 sends
//     metadata in requests of their own).
//   - Labels: an attribute with an empty value is dropped (Prometheus treats
//     an empty label as an absent one), as are an empty key and a `__name__`
//     attribute (the metric name wins). Generated `le`/`quantile` labels win
//     over attributes of the same name. Non-string attribute values are
//     stored as pcommon.Value.AsString renders them.
//   - Histogram: a point with no bucket counts has no name_bucket series. A
//     point whose counts are not len(ExplicitBounds)+1, or whose bounds are
//     not strictly increasing, is malformed and skipped; a last bound of
//     +Inf is folded into the le="+Inf" bucket. Delta histograms cannot be a
//     Prometheus histogram and are reported as unsupported.
//   - Staleness: a stale point expands to the series its fields describe
//     (buckets from ExplicitBounds, name_sum only when HasSum, quantiles
//     from QuantileValues), so producers keep those fields on stale points.
//   - A Gauge or Sum point with neither an int nor a double value (and not
//     stale) is malformed and skipped. Errors name the metric and wrap
//     ErrUnsupported or ErrMalformed; one error per metric, however many of
//     its points were skipped.
package rowconv

// MetadataTypeKey is the pmetric.Metric Metadata() key holding the
// Prometheus metric type as exposed ("counter", "gauge", "histogram",
// "gaugehistogram", "summary", "info", "stateset", "unknown").
const MetadataTypeKey = "prometheus.type"

// MetadataFamilyKey is the pmetric.Metric Metadata() key holding the
// Prometheus metric family name when it differs from the metric name (see
// the package doc). Absent means the metric name is the family name.
const MetadataFamilyKey = "prometheus.family"

// ScopeName is the instrumentation scope name meshlens' Prometheus receivers
// set on the metrics they produce.
const ScopeName = "github.com/meshlens/meshlens/receivers/prometheus"
