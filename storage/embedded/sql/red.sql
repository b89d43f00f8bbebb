-- RED of access logs over one window, computed entirely in DuckDB.
--
-- Placeholders, filled by red.go:
--   {{GROUP}}         the grouping columns (service or edge)
--   {{NAMESPACE}}     an extra "AND ..." namespace condition, or nothing
--   {{FAILED_FLAGS}}  true when response_flag_bits has a failure flag
--   {{STAND_INS}}     "OR <the destination lacks the preferred reporter>"
--                     (from red_stand_ins.sql), or nothing
-- Parameters: $1 window start (inclusive), $2 window end (exclusive),
--   $3 the preferred reporter, $4 the namespace (when {{NAMESPACE}} uses
--   it), then those of {{STAND_INS}}.
--
-- Each request between two meshed proxies is logged twice, by the source
-- and by the destination. Counting each once: only records from the
-- preferred reporter count, except for destinations that have none in the
-- window (red_stand_ins.sql finds them first), whose other records stand
-- in. Filtering before grouping, rather than grouping by reporter and
-- choosing after, halves what quantile_disc holds for a meshed corpus.
--
-- Quantiles are exact nearest-rank: quantile_disc with DECIMAL literals
-- picks the value at 1-based rank ceil(q*n) of the sorted known durations
-- (TestQuantileDiscIsNearestRank checks this against a direct computation).
-- Unknown (negative) durations become NULL, which quantile_disc skips; this
-- is about twice as fast as a FILTER clause on the holistic aggregate.
SELECT {{GROUP}}, requests, errors, client_errors,
	-- one BIGINT column per quantile, 0 when no duration is known: no list
	-- to box per row on the Go side
	coalesce(q[1], 0) AS p50_us, coalesce(q[2], 0) AS p90_us, coalesce(q[3], 0) AS p99_us,
	bytes_in, bytes_out
FROM (
SELECT
	{{GROUP}},
	count(*) AS requests,
	count(*) FILTER (WHERE response_code BETWEEN 500 AND 599 OR {{FAILED_FLAGS}}) AS errors,
	count(*) FILTER (WHERE response_code BETWEEN 400 AND 499 AND NOT {{FAILED_FLAGS}}) AS client_errors,
	quantile_disc(CASE WHEN duration_us >= 0 THEN duration_us END, [0.5, 0.9, 0.99]) AS q,
	sum(bytes_received)::BIGINT AS bytes_in,
	sum(bytes_sent)::BIGINT AS bytes_out
FROM access_logs
WHERE start >= $1 AND start < $2 {{NAMESPACE}} AND (reporter = $3 {{STAND_INS}})
GROUP BY ALL
)
ORDER BY {{GROUP}}
