-- meshlens schema, version 1: every signal in its own table.
--
-- Placeholders, filled by migrate.go from the server's version:
--   {{DB}}     the database
--   {{LC}}     LowCardinality(String) where the server has it (>= 19.3), else String
--   {{DELTA}}  a CODEC(Delta, LZ4) clause for monotonic integers (>= 19.3), else nothing
--   {{FLOAT}}  a CODEC(Gorilla, LZ4) clause for sample values (>= 19.3), else nothing
--
-- Times are Int64 microseconds (samples: milliseconds) since the epoch, UTC:
-- ClickHouse 18.16 has no DateTime64. `day` is the record's UTC day, set by
-- the writer; every event table is partitioned by it, so retention drops
-- whole partitions.
--
-- Replays are harmless: each event table is a ReplacingMergeTree whose
-- sorting key ends in row_hash (xxhash64 of every column) and row_seq (the
-- n-th identical record of one batch), so a retried batch yields the same
-- keys, and readers query with FINAL, which keeps one row per key.

CREATE TABLE IF NOT EXISTS {{DB}}.access_logs (
	day Date,
	start_us Int64 {{DELTA}},
	duration_us Int64,
	method {{LC}},
	path String,
	protocol {{LC}},
	response_code Int32,
	response_flags {{LC}},
	response_code_details {{LC}},
	connection_termination_details String,
	upstream_transport_failure_reason String,
	bytes_received Int64,
	bytes_sent Int64,
	upstream_service_time_us Int64,
	x_forwarded_for String,
	user_agent String,
	request_id String,
	authority String,
	upstream_host String,
	upstream_cluster String,
	upstream_local_address String,
	downstream_local_address String,
	downstream_remote_address String,
	requested_server_name String,
	route_name String,
	trace_id String,
	reporter {{LC}},
	reporter_service {{LC}},
	reporter_namespace {{LC}},
	reporter_version {{LC}},
	reporter_workload {{LC}},
	source_service {{LC}},
	source_namespace {{LC}},
	source_version {{LC}},
	destination_service {{LC}},
	destination_namespace {{LC}},
	destination_version {{LC}},
	request_hash UInt64,
	response_flag_bits Int64,
	row_hash UInt64,
	row_seq UInt32
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (destination_service, start_us, row_hash, row_seq);

-- The request-id index: a lookup by request id reads this table by its
-- key, then only the days and start times it names in access_logs.
CREATE TABLE IF NOT EXISTS {{DB}}.access_log_request_ids (
	request_hash UInt64,
	day Date,
	start_us Int64
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (request_hash, start_us);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{DB}}.access_log_request_ids_mv TO {{DB}}.access_log_request_ids
AS SELECT request_hash, day, start_us FROM {{DB}}.access_logs;

-- Spans, ordered by trace id: reading a trace is a point read.
CREATE TABLE IF NOT EXISTS {{DB}}.spans (
	day Date,
	trace_id_high UInt64,
	trace_id_low UInt64,
	span_id UInt64,
	parent_id UInt64,
	service {{LC}},
	name {{LC}},
	kind {{LC}},
	shared UInt8,
	debug UInt8,
	start_us Int64,
	duration_us Int64,
	status_code Int32,
	http_method {{LC}},
	http_route String,
	http_status Int32,
	peer_service {{LC}},
	request_id String,
	response_flags {{LC}},
	upstream_cluster {{LC}},
	attr_keys Array(String),
	attr_values Array(String),
	events String,
	request_hash UInt64,
	row_hash UInt64
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (trace_id_high, trace_id_low, span_id, row_hash);

-- request id -> trace ids, for TracesByRequestID.
CREATE TABLE IF NOT EXISTS {{DB}}.span_request_ids (
	request_hash UInt64,
	day Date,
	trace_id_high UInt64,
	trace_id_low UInt64
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (request_hash, trace_id_high, trace_id_low);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{DB}}.span_request_ids_mv TO {{DB}}.span_request_ids
AS SELECT request_hash, day, trace_id_high, trace_id_low FROM {{DB}}.spans WHERE request_id != '';

-- service -> traces by time, for FindTraces by service.
CREATE TABLE IF NOT EXISTS {{DB}}.span_services (
	service {{LC}},
	day Date,
	start_us Int64,
	trace_id_high UInt64,
	trace_id_low UInt64
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (service, start_us, trace_id_high, trace_id_low);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{DB}}.span_services_mv TO {{DB}}.span_services
AS SELECT service, day, start_us, trace_id_high, trace_id_low FROM {{DB}}.spans;

CREATE TABLE IF NOT EXISTS {{DB}}.dead_letters (
	day Date,
	received_us Int64,
	source String,
	signal {{LC}},
	error String,
	raw String,
	size Int64,
	row_hash UInt64,
	row_seq UInt32
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (received_us, row_hash, row_seq);

-- Prometheus series: the sorted label pairs of each fingerprint.
CREATE TABLE IF NOT EXISTS {{DB}}.series (
	metric_name String,
	fingerprint UInt64,
	label_names Array(String),
	label_values Array(String)
) ENGINE = ReplacingMergeTree
ORDER BY (metric_name, fingerprint);

-- Prometheus samples, ordered by series then time; t in milliseconds. A
-- native histogram sample has h, its encoding (histogram.go); a float
-- sample has h = ''.
CREATE TABLE IF NOT EXISTS {{DB}}.samples (
	day Date,
	fingerprint UInt64,
	t Int64 {{DELTA}},
	v Float64 {{FLOAT}},
	h String
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (fingerprint, t);

CREATE TABLE IF NOT EXISTS {{DB}}.metric_metadata (
	metric String,
	type {{LC}},
	help String,
	unit {{LC}},
	seen_us Int64
) ENGINE = ReplacingMergeTree
ORDER BY (metric, type, help, unit);
