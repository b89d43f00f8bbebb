-- Dependency links from spans, computed in ClickHouse (see
-- storage.DependencyReader). ClickHouse 18.16 has no ANTI JOIN, so both
-- halves are ANY LEFT JOINs whose unmatched rows carry matched = 0.
--
-- Parameters (bound, µs): window start and end, the slack-widened start and
-- end; then the same again.
--
-- First half: server spans of the window with their caller, the client
-- span whose span id is the server's parent id or, for an Envoy shared
-- server span, the server's own span id; across services a call, without a
-- caller a call from "unknown". Second half: client spans of the window
-- that name a peer service and have no server span: calls to that
-- uninstrumented peer. A call is an error when either side has status 2.
SELECT parent, child, count() AS calls, countIf(err) AS errors
FROM (
	SELECT if(matched = 1, c_service, 'unknown') AS parent, s_service AS child, (c_status = 2 OR s_status = 2) AS err
	FROM (
		SELECT trace_id_high AS th, trace_id_low AS tl, if(shared = 1, span_id, parent_id) AS k,
			toString(service) AS s_service, status_code AS s_status
		FROM {{SPANS}} FINAL
		WHERE start_us >= ? AND start_us <= ? AND kind = 'server')
	ANY LEFT JOIN (
		SELECT trace_id_high AS th, trace_id_low AS tl, span_id AS k,
			toString(service) AS c_service, status_code AS c_status, toUInt8(1) AS matched
		FROM {{SPANS}} FINAL
		WHERE start_us >= ? AND start_us <= ? AND kind = 'client') USING (th, tl, k)
	WHERE matched = 0 OR c_service != s_service
	UNION ALL
	SELECT c_service AS parent, peer AS child, c_status = 2 AS err
	FROM (
		SELECT trace_id_high AS th, trace_id_low AS tl, span_id AS k,
			toString(service) AS c_service, status_code AS c_status, toString(peer_service) AS peer
		FROM {{SPANS}} FINAL
		WHERE start_us >= ? AND start_us <= ? AND kind = 'client' AND peer_service != '')
	ANY LEFT JOIN (
		SELECT DISTINCT trace_id_high AS th, trace_id_low AS tl, if(shared = 1, span_id, parent_id) AS k, toUInt8(1) AS matched
		FROM {{SPANS}} FINAL
		WHERE start_us >= ? AND start_us <= ? AND kind = 'server') USING (th, tl, k)
	WHERE matched = 0
)
GROUP BY parent, child
ORDER BY parent, child
