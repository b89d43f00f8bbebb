-- RED of access logs over one window, computed entirely in DuckDB.
--
-- Placeholders, filled by red.go:
--   {{GROUP}}         the grouping columns (service or edge)
--   {{NAMESPACE}}     an extra "AND ..." namespace condition, or nothing
--   {{FAILED_FLAGS}}  true when response_flag_bits has a failure flag
-- Parameters: $1 window start (inclusive), $2 window end (exclusive),
--   $3 the preferred reporter, $4 the namespace (when {{NAMESPACE}} uses it).
--
-- Each request between two meshed proxies is logged twice, by the source
-- and by the destination. Counting each once: per destination (service,
-- namespace), only records from the preferred reporter count; when the
-- window holds none from it for that destination, the other records stand in
-- (the QUALIFY).
--
-- Quantiles are exact nearest-rank: quantile_disc with DECIMAL literals
-- picks the value at 1-based rank ceil(q*n) of the sorted known durations
-- (red_quantile_test.go checks this against a direct computation). Unknown
-- (negative) durations become NULL, which quantile_disc skips; this is
-- about twice as fast as a FILTER clause on the holistic aggregate.
SELECT {{GROUP}}, requests, errors, client_errors, quantiles_us, bytes_in, bytes_out
FROM (
	SELECT
		{{GROUP}},
		reporter = $3 AS preferred,
		count(*) AS requests,
		count(*) FILTER (WHERE response_code BETWEEN 500 AND 599 OR {{FAILED_FLAGS}}) AS errors,
		count(*) FILTER (WHERE response_code BETWEEN 400 AND 499 AND NOT {{FAILED_FLAGS}}) AS client_errors,
		quantile_disc(CASE WHEN duration_us >= 0 THEN duration_us END, [0.5, 0.9, 0.99]) AS quantiles_us,
		sum(bytes_received)::BIGINT AS bytes_in,
		sum(bytes_sent)::BIGINT AS bytes_out
	FROM access_logs
	WHERE start >= $1 AND start < $2 {{NAMESPACE}}
	GROUP BY ALL
)
QUALIFY preferred OR NOT bool_or(preferred) OVER (PARTITION BY destination_service, destination_namespace)
ORDER BY {{GROUP}}
