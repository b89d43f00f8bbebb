-- meshlens schema for a ClickHouse cluster (see README.md). Generated from
-- storage/clickhouse/sql/migrations (versions 1-2): keep them in step.
--
-- Apply once, on any node, after replacing CLUSTER with the cluster's name
-- in <remote_servers> (and meshlens with the database meshlens is
-- configured with, `clickhouse.database`):
--
--   sed 's/CLUSTER/mesh/g' cluster.sql | clickhouse-client --multiquery
--
-- Every table of the single-server schema becomes two: <table>_local, a
-- ReplicatedReplacingMergeTree on each node (replicated through ZooKeeper,
-- using the {shard} and {replica} macros of each node's config), and
-- <table>, a Distributed table over them with the name meshlens queries.
-- The sharding keys put exact replays on the shard of the original, where
-- FINAL removes them:
--   spans and their indexes by trace id: a trace is read from one shard;
--   samples and series by series fingerprint: a series lives on one shard;
--   access logs and their index by request id: both hops of a request together.
-- Materialized views run on each node, from <table>_local to the local
-- index tables.
--
-- Column types are the portable ones (String, no codecs), so this runs on
-- ClickHouse 18.16 as on current releases. On >= 19.6 you may add
-- `TTL day + toIntervalDay(N)` to the *_local event tables; meshlens also
-- drops expired day partitions itself, ON CLUSTER.

CREATE DATABASE IF NOT EXISTS meshlens ON CLUSTER CLUSTER;

CREATE TABLE IF NOT EXISTS meshlens.access_logs_local ON CLUSTER CLUSTER (
	day Date,
	start_us Int64,
	duration_us Int64,
	method String,
	path String,
	protocol String,
	response_code Int32,
	response_flags String,
	response_code_details String,
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
	reporter String,
	reporter_service String,
	reporter_namespace String,
	reporter_version String,
	reporter_workload String,
	source_service String,
	source_namespace String,
	source_version String,
	destination_service String,
	destination_namespace String,
	destination_version String,
	request_hash UInt64,
	response_flag_bits Int64,
	row_hash UInt64,
	row_seq UInt32
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/access_logs', '{replica}')
PARTITION BY day
ORDER BY (destination_service, start_us, row_hash, row_seq);

CREATE TABLE IF NOT EXISTS meshlens.access_logs ON CLUSTER CLUSTER AS meshlens.access_logs_local
ENGINE = Distributed(CLUSTER, meshlens, access_logs_local, request_hash);

CREATE TABLE IF NOT EXISTS meshlens.access_log_request_ids_local ON CLUSTER CLUSTER (
	request_hash UInt64,
	day Date,
	start_us Int64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/access_log_request_ids', '{replica}')
PARTITION BY day
ORDER BY (request_hash, start_us);

CREATE TABLE IF NOT EXISTS meshlens.access_log_request_ids ON CLUSTER CLUSTER AS meshlens.access_log_request_ids_local
ENGINE = Distributed(CLUSTER, meshlens, access_log_request_ids_local, request_hash);

CREATE MATERIALIZED VIEW IF NOT EXISTS meshlens.access_log_request_ids_mv ON CLUSTER CLUSTER TO meshlens.access_log_request_ids_local
AS SELECT request_hash, day, start_us FROM meshlens.access_logs_local;

CREATE TABLE IF NOT EXISTS meshlens.spans_local ON CLUSTER CLUSTER (
	day Date,
	trace_id_high UInt64,
	trace_id_low UInt64,
	span_id UInt64,
	parent_id UInt64,
	service String,
	name String,
	kind String,
	shared UInt8,
	debug UInt8,
	start_us Int64,
	duration_us Int64,
	status_code Int32,
	http_method String,
	http_route String,
	http_status Int32,
	peer_service String,
	request_id String,
	response_flags String,
	upstream_cluster String,
	attr_keys Array(String),
	attr_values Array(String),
	events String,
	request_hash UInt64,
	row_hash UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/spans', '{replica}')
PARTITION BY day
ORDER BY (trace_id_high, trace_id_low, span_id, row_hash);

CREATE TABLE IF NOT EXISTS meshlens.spans ON CLUSTER CLUSTER AS meshlens.spans_local
ENGINE = Distributed(CLUSTER, meshlens, spans_local, cityHash64(trace_id_high, trace_id_low));

CREATE TABLE IF NOT EXISTS meshlens.span_request_ids_local ON CLUSTER CLUSTER (
	request_hash UInt64,
	day Date,
	trace_id_high UInt64,
	trace_id_low UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/span_request_ids', '{replica}')
PARTITION BY day
ORDER BY (request_hash, trace_id_high, trace_id_low);

CREATE TABLE IF NOT EXISTS meshlens.span_request_ids ON CLUSTER CLUSTER AS meshlens.span_request_ids_local
ENGINE = Distributed(CLUSTER, meshlens, span_request_ids_local, cityHash64(trace_id_high, trace_id_low));

CREATE MATERIALIZED VIEW IF NOT EXISTS meshlens.span_request_ids_mv ON CLUSTER CLUSTER TO meshlens.span_request_ids_local
AS SELECT request_hash, day, trace_id_high, trace_id_low FROM meshlens.spans_local WHERE request_id != '';

CREATE TABLE IF NOT EXISTS meshlens.span_services_local ON CLUSTER CLUSTER (
	service String,
	day Date,
	start_us Int64,
	trace_id_high UInt64,
	trace_id_low UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/span_services', '{replica}')
PARTITION BY day
ORDER BY (service, start_us, trace_id_high, trace_id_low);

CREATE TABLE IF NOT EXISTS meshlens.span_services ON CLUSTER CLUSTER AS meshlens.span_services_local
ENGINE = Distributed(CLUSTER, meshlens, span_services_local, cityHash64(trace_id_high, trace_id_low));

CREATE MATERIALIZED VIEW IF NOT EXISTS meshlens.span_services_mv ON CLUSTER CLUSTER TO meshlens.span_services_local
AS SELECT service, day, start_us, trace_id_high, trace_id_low FROM meshlens.spans_local;

CREATE TABLE IF NOT EXISTS meshlens.dead_letters_local ON CLUSTER CLUSTER (
	day Date,
	received_us Int64,
	source String,
	signal String,
	error String,
	raw String,
	size Int64,
	row_hash UInt64,
	row_seq UInt32
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/dead_letters', '{replica}')
PARTITION BY day
ORDER BY (received_us, row_hash, row_seq);

CREATE TABLE IF NOT EXISTS meshlens.dead_letters ON CLUSTER CLUSTER AS meshlens.dead_letters_local
ENGINE = Distributed(CLUSTER, meshlens, dead_letters_local, row_hash);

CREATE TABLE IF NOT EXISTS meshlens.series_local ON CLUSTER CLUSTER (
	metric_name String,
	fingerprint UInt64,
	label_names Array(String),
	label_values Array(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/series', '{replica}')
ORDER BY (metric_name, fingerprint);

CREATE TABLE IF NOT EXISTS meshlens.series ON CLUSTER CLUSTER AS meshlens.series_local
ENGINE = Distributed(CLUSTER, meshlens, series_local, fingerprint);

CREATE TABLE IF NOT EXISTS meshlens.samples_local ON CLUSTER CLUSTER (
	day Date,
	fingerprint UInt64,
	t Int64,
	v Float64,
	h String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/samples', '{replica}')
PARTITION BY day
ORDER BY (fingerprint, t);

CREATE TABLE IF NOT EXISTS meshlens.samples ON CLUSTER CLUSTER AS meshlens.samples_local
ENGINE = Distributed(CLUSTER, meshlens, samples_local, fingerprint);

CREATE TABLE IF NOT EXISTS meshlens.metric_metadata_local ON CLUSTER CLUSTER (
	metric String,
	type String,
	help String,
	unit String,
	seen_us Int64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/metric_metadata', '{replica}')
ORDER BY (metric, type, help, unit);

CREATE TABLE IF NOT EXISTS meshlens.metric_metadata ON CLUSTER CLUSTER AS meshlens.metric_metadata_local
ENGINE = Distributed(CLUSTER, meshlens, metric_metadata_local, cityHash64(metric));

CREATE TABLE IF NOT EXISTS meshlens.edge_rollups_local ON CLUSTER CLUSTER (
	day Date,
	minute_s Int64,
	source String,
	reporter String,
	source_service String,
	source_namespace String,
	source_version String,
	destination_service String,
	destination_namespace String,
	destination_version String,
	protocol String,
	code_class Int8,
	requests Int64,
	errors Int64,
	client_errors Int64,
	bytes_in Int64,
	bytes_out Int64,
	mtls_requests Int64,
	mtls_known Int64,
	latency_zero UInt64,
	latency_bins Array(Int32),
	latency_counts Array(UInt64),
	latency_error Float64,
	batch_id UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshlens/edge_rollups', '{replica}')
PARTITION BY day
ORDER BY (destination_service, destination_namespace, minute_s, source_service, source_namespace, source_version,
	destination_version, protocol, code_class, source, reporter, batch_id);

CREATE TABLE IF NOT EXISTS meshlens.edge_rollups ON CLUSTER CLUSTER AS meshlens.edge_rollups_local
ENGINE = Distributed(CLUSTER, meshlens, edge_rollups_local, cityHash64(destination_service, destination_namespace));
