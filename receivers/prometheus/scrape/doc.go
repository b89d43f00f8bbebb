// Package scrape is meshlens' Prometheus scraper: it pulls /metrics (or
// Envoy's /stats/prometheus) from static targets on a schedule and emits
// pmetric.Metrics that follow the storage/rowconv contract, so that the
// series stored are exactly the series Prometheus v0.316 would store from
// the same scrapes.
//
// It deliberately re-implements only the part of Prometheus' scrape package
// that matters here (the scrape loop, its per-target cache and staleness,
// target labels, limits, report series), on top of Prometheus' own
// model/textparse parsers (text 0.0.4/1.0.0, OpenMetrics 1.0, protobuf), and
// imports no collector package but pdata. The collector receiver that wraps
// it lives elsewhere.
//
// Conversion, per scrape and target:
//
//   - One ResourceMetrics whose Resource attributes are the target labels
//     (job, instance, static labels); one scope named rowconv.ScopeName.
//     Point attributes are the series' other labels. A series that lacks a
//     target label (honor_labels with an empty exposed value) goes under a
//     second, empty Resource with all its labels on the point.
//   - Series of a counter family become monotonic cumulative Sums named as
//     the series (foo_total stays foo_total); gauge, unknown, info, stateset
//     and gauge-histogram series, and series outside any TYPE'd family,
//     become Gauges.
//   - A classic histogram's _bucket/_sum/_count series with the same labels
//     become one Histogram point named after the family; a summary's become
//     one Summary point. When such a group is malformed (no +Inf bucket, no
//     _count, counts that are not whole or not cumulative, a +Inf bucket that
//     differs from _count, a summary without _sum, bounds that would not
//     read back identically, mixed timestamps) its series are emitted as
//     Gauges instead, so that nothing Prometheus would store is lost or
//     altered.
//   - HELP, UNIT and TYPE go to Description, Unit and the
//     rowconv.MetadataTypeKey metadata entry, plus rowconv.MetadataFamilyKey
//     when the family name is not the metric name (OpenMetrics counters,
//     flattened histogram series), for series that Prometheus counts as part
//     of the family. OpenMetrics _created series are not: Prometheus v0.316
//     stores them as plain series by default, and so do we. The report
//     series (up, scrape_duration_seconds, ...) carry no metadata, as
//     Prometheus' /api/v1/metadata does not list them.
//   - Staleness markers are data points flagged NoRecordedValue, in the shape
//     of what went stale (a whole histogram: one Histogram point with the
//     same bounds), or a Gauge named as the series when one series of a
//     still-present histogram or summary went.
package scrape
