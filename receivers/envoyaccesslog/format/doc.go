// Package format parses Envoy and Istio access-log lines into
// storage.AccessLog rows. It has no collector dependency: the
// envoyaccesslog receiver feeds it lines and turns its errors into
// dead letters.
//
// # Formats
//
// ForName gives the parser for a receiver's `format` setting. Every built-in
// text layout is an Envoy format string compiled by Compile, the same
// compiler custom formats go through:
//
//   - "envoy": Envoy's default format, with or without
//     %RESPONSE_CODE_DETAILS% after the flags, and with a trailing
//     "%UPSTREAM_TRANSPORT_FAILURE_REASON%" as Envoy's examples write it;
//   - "istio": Istio's default text format of 1.9 and later (the same with
//     %UPSTREAM_CLUSTER% or %UPSTREAM_CLUSTER_RAW%), of 1.8, of 1.3 to 1.7
//     (with the Mixer status) and of 1.2 (no %ROUTE_NAME%);
//   - "istio_json": Istio's JSON encoding, with typed values (numbers,
//     null) or all strings, members in any order;
//   - "auto": each line on its own, JSON or any text layout above, so a file
//     may mix them; the layout that matched last is tried first;
//   - anything else: an Envoy format string (text_format, or a JSON
//     dictionary as in json_format), compiled once.
//
// The layouts' format strings and where they come from are in layouts.go.
// Any line may carry a `kubectl logs --timestamps` prefix (an RFC 3339 time
// and a space), or a CRI log-file prefix ("<time> stdout F "); its time is
// used when the record has no START_TIME.
//
// # Columns
//
// Operators fill AccessLog columns: START_TIME (RFC 3339 by default; an
// strftime argument is honoured), REQ(:METHOD), REQ(X-ENVOY-ORIGINAL-PATH?:PATH)
// (also REQ(:PATH) and REQ_WITHOUT_QUERY), PROTOCOL, RESPONSE_CODE,
// RESPONSE_FLAGS, RESPONSE_CODE_DETAILS, CONNECTION_TERMINATION_DETAILS,
// UPSTREAM_TRANSPORT_FAILURE_REASON, BYTES_RECEIVED, BYTES_SENT, DURATION,
// RESP(X-ENVOY-UPSTREAM-SERVICE-TIME), REQ(X-FORWARDED-FOR), REQ(USER-AGENT),
// REQ(X-REQUEST-ID), REQ(:AUTHORITY) (or HOST), UPSTREAM_HOST,
// UPSTREAM_CLUSTER(_RAW), UPSTREAM_LOCAL_ADDRESS, DOWNSTREAM_LOCAL_ADDRESS,
// DOWNSTREAM_REMOTE_ADDRESS, REQUESTED_SERVER_NAME, ROUTE_NAME, TRACE_ID,
// REQ(X-B3-TRACEID) and REQ(TRACEPARENT) (its trace id). Other operators
// are parsed over and their values dropped; so are JSON members a layout
// does not name.
//
// "-" (and null in JSON) means no value: "" for strings, 0 for counts and
// the response code, -1 for durations. Durations are logged in
// milliseconds and stored in microseconds. A trailing ';' on the cluster
// (Istio's alt_stat_name, which %UPSTREAM_CLUSTER% prints) is removed. Every parsed record gets the
// caller's Reporter, and its direction, source and destination from
// cluster.Derive.
//
// # Strictness
//
// A text layout is matched in one pass with no regular expression: each
// operator's value runs to the first occurrence of the literal text after
// it, then is validated by what its column holds (digits for counts, no
// space or quote in names and addresses, upper-case response flags, an
// RFC 3339 time). The checks are what keeps one layout from reading a line
// of another, and they reject a line rather than store it wrong: a value
// that contains its own closing delimiter (a User-Agent with `" "` in it)
// cannot be split and is an error. JSON is parsed by a strict RFC 8259
// scanner that agrees with encoding/json on what it accepts. Lines must be
// valid UTF-8. Errors name the layout, the byte offset and the field; blank
// lines give ErrEmptyLine.
package format
