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
//
// # Traces: the Zipkin/OTLP ⇄ spans mapping
//
// Spans reach meshlens as ptrace.Traces from the collector-contrib zipkin
// receiver (Zipkin v1/v2 JSON and proto, through the contrib
// pkg/translator/zipkin) and from OTLP. SpansFromTraces turns each span into
// one storage.Span; AppendTraces is its inverse for the query side (Jaeger
// api_v3 OTLP JSON) and for tests. The rules, with the Zipkin field each one
// comes from through the contrib translator:
//
//   - Ids: the 16-byte trace id is TraceID{High: bytes 0–7, Low: bytes 8–15}
//     big-endian, so a 64-bit B3 id (which the translator left-pads with
//     zeros) has High 0. Span and parent ids are big-endian uint64; no
//     parent, or a parent equal to the span id, is ParentID 0. A span with
//     an all-zero trace or span id cannot be stored: it is reported as an
//     error wrapping ErrInvalidSpan that names it, and the rest of the batch
//     is converted.
//   - Service is the resource's service.name (Zipkin
//     localEndpoint.serviceName), "" when absent. Kind is "client",
//     "server", "producer", "consumer", or "" for internal and unspecified.
//     Start is the start timestamp in UTC (the Unix epoch when Zipkin had no
//     timestamp); DurationMicros is end − start truncated to microseconds, 0
//     when end is not after start. StatusCode is the OTLP status code (0
//     unset, 1 ok, 2 error); an unset status with an "error" attribute
//     (Zipkin's error tag with a message) is 2. The translator turns
//     `error: "true"` into status 2 and drops the tag, so the Zipkin API
//     renders status 2 as that tag again.
//   - Shared and Debug: the contrib translator (zipkinv2 to_translator.go,
//     zipkinv1 json.go) reads neither Zipkin's `shared` nor its `debug`
//     field, so meshlens' Zipkin intake must carry them as the span
//     attributes AttrZipkinShared
//     ("zipkin.shared") and AttrZipkinDebug ("zipkin.debug"), Bool true or
//     "true"; those are the keys fluent-bit and InfluxDB use for the same
//     fields. They set the columns and are not kept in Attrs.
//   - Attrs keep every attribute, as a string (pcommon.Value.AsString: ints
//     and bools as Zipkin writes them, maps and slices as JSON), sorted by
//     key: the span's attributes, then span fields that have no column under
//     the keys the translator uses for them (status message
//     "otel.status_description", trace state "w3c.tracestate", scope
//     "otel.library.name"/"otel.library.version", links "otlp.link.N"), then
//     the resource's attributes but service.name. For a repeated key the
//     first in that order wins. So a Zipkin span's tags, including those the
//     translator moved to the resource (host.name, …), are all in Attrs, as
//     are the endpoint attributes the translator adds (net.host.ip,
//     net.host.port, net.peer.ip, net.peer.port, peer.service), from which
//     the Zipkin API rebuilds endpoints as the contrib exporter does. With
//     the receiver's parse_string_tags on, a tag "1.50" is stored as "1.5".
//   - Tag columns, read from Attrs (the first key with a usable value wins;
//     "" and Envoy's "-" are not usable):
//     RequestID ← guid:x-request-id;
//     UpstreamCluster ← upstream_cluster, upstream_cluster.name;
//     ResponseFlags ← response_flags;
//     HTTPMethod ← http.method, http.request.method;
//     HTTPStatus ← http.status_code, http.response.status_code (a positive
//     int32, else the next key);
//     PeerService ← peer.service (Zipkin remoteEndpoint.serviceName);
//     HTTPRoute ← http.route, else the path (no query or fragment; "/" for
//     a URL with no path) of url.path, http.target, http.url, url.full.
//     Envoy never sets http.route, and an empty route for every Envoy span
//     would leave the column useless, so HTTPRoute is the request path there:
//     higher cardinality than a route template. Other ad-hoc status tags
//     (Yelp's response_status_code) stay attributes only.
//   - Events (Zipkin annotations) keep name, time and attributes (strings,
//     sorted, as Attrs).
//
// AppendTraces writes one ResourceSpans per run of rows with the same
// Service and all Attrs as string span attributes, except a non-empty status
// message and trace state, which go back to their fields; Shared and Debug
// become the Bool carrier attributes; Kind "" becomes unspecified. For rows
// SpansFromTraces made, rows → ptrace → rows is exact. ptrace → rows →
// ptrace is not: resource attributes and the scope move to span attributes,
// attribute types become strings, and links stay "otlp.link.N" attributes.
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
