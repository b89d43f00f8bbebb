-- The destinations (service, namespace) with records in a RED window, and
-- whether the preferred reporter logged any of them. For those it did
-- not, red.sql counts the other reporter's records instead.
--
-- Placeholders and parameters $1 to $4 are red.sql's.
SELECT destination_service, destination_namespace, bool_or(reporter = $3) AS has_preferred
FROM access_logs
WHERE start >= $1 AND start < $2 {{NAMESPACE}}
GROUP BY ALL
