// Package promapi serves a Prometheus-compatible HTTP API (/api/v1/...) over
// a promql.Engine and a Prometheus storage.Queryable: what Grafana's
// Prometheus data source, Kiali and promtool-style clients call.
//
// It is a small re-implementation of the read side of Prometheus'
// web/api/v1, which cannot be imported cheaply (it pulls in cloud SDKs and
// wants a running Prometheus). Parameter parsing, validation messages,
// error types and HTTP status codes follow web/api/v1 of the Prometheus
// version in go.mod, and JSON bodies are byte-identical to Prometheus' for
// the same data: see encode.go for why values are not encoded with
// encoding/json.
//
// Deliberate differences from Prometheus:
//   - non-finite or out-of-range float timestamps ("NaN", "1e300") are
//     rejected as bad_data instead of silently becoming a garbage time;
//   - the `timeout` parameter of query_range counts from the request's
//     arrival like the instant query's does;
//   - a malformed form body is bad_data on every endpoint (Prometheus
//     reports it on /series only and ignores it elsewhere);
//   - storage errors carry context ("select series: ...");
//   - there is no CORS handling and no OPTIONS route: Grafana and Kiali
//     call from their servers;
//   - /status/tsdb is computed by scanning the series of the whole store
//     (the Queryable is not necessarily a TSDB), and reports 0 for the
//     chunk count and time range, which it cannot know;
//   - there are no targets, rules, alerts, admin, remote read/write or
//     search endpoints: meshlens ingests elsewhere and has no rule engine.
package promapi
