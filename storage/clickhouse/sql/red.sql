-- RED of access logs over one window, computed entirely in ClickHouse.
--
-- Placeholders, filled by red.go:
--   {{TABLE}}      the access_logs table
--   {{GROUP}}      the grouping columns (service or edge)
--   {{NAMESPACE}}  an extra "AND ..." namespace condition, or nothing
--   {{FAILED}}     1 when response_flag_bits has a failure flag
-- Parameters (bound): window start and end (µs, half-open), the namespace
-- (as often as {{NAMESPACE}} uses it), the preferred reporter; then the
-- same again for the subquery.
--
-- Each request between two meshed proxies is logged twice, by the source
-- and by the destination. Counting each once: per destination (service,
-- namespace), only records from the preferred reporter count; when the
-- window holds none from it for that destination, the other records stand
-- in (the NOT IN; ClickHouse 18.16 has no window functions).
--
-- Quantiles are exact nearest-rank, as storage.REDReader specifies: the
-- duration at 1-based rank ceil(q*n) of the n sorted known (non-negative)
-- durations, with the rank computed in integers. ClickHouse's
-- quantileExact picks 0-based floor(q*n) instead, which differs whenever
-- q*n is whole, so the sorted array is indexed directly.
SELECT {{GROUP}}, requests, errors, client_errors, p50_us, p90_us, p99_us, bytes_in, bytes_out
FROM (
SELECT
	{{GROUP}},
	count() AS requests,
	countIf(response_code BETWEEN 500 AND 599 OR {{FAILED}}) AS errors,
	countIf(response_code BETWEEN 400 AND 499 AND NOT {{FAILED}}) AS client_errors,
	arraySort(groupArrayIf(duration_us, duration_us >= 0)) AS ds,
	toInt64(if(length(ds) = 0, 0, ds[intDiv(length(ds) * 50 + 99, 100)])) AS p50_us,
	toInt64(if(length(ds) = 0, 0, ds[intDiv(length(ds) * 90 + 99, 100)])) AS p90_us,
	toInt64(if(length(ds) = 0, 0, ds[intDiv(length(ds) * 99 + 99, 100)])) AS p99_us,
	toInt64(sum(bytes_received)) AS bytes_in,
	toInt64(sum(bytes_sent)) AS bytes_out
FROM {{TABLE}} FINAL
WHERE start_us >= ? AND start_us < ? {{NAMESPACE}}
	AND (reporter = ? OR (destination_service, destination_namespace) GLOBAL NOT IN (
		SELECT destination_service, destination_namespace FROM {{TABLE}} FINAL
		WHERE start_us >= ? AND start_us < ? {{NAMESPACE}} AND reporter = ?))
GROUP BY {{GROUP}}
)
ORDER BY {{GROUP}}
