-- meshlens schema, version 2: edge rollups (storage.RollupWriter).
--
-- One row per (minute, edge, code class, source, reporter) and write
-- batch: counters, and the latency sketch as its bins (the shared
-- logarithmic mapping of storage.NewLatencySketch, so bins of any two rows
-- add up): latency_zero values at zero, latency_counts[i] values in bin
-- latency_bins[i]. Readers merge sketches inside ClickHouse with sumMap.
--
-- batch_id ends the sorting key: a replayed batch (same id, same rows)
-- collapses under FINAL, while different batches of one minute add up.
CREATE TABLE IF NOT EXISTS {{DB}}.edge_rollups (
	day Date,
	minute_s Int64,
	source {{LC}},
	reporter {{LC}},
	source_service {{LC}},
	source_namespace {{LC}},
	source_version {{LC}},
	destination_service {{LC}},
	destination_namespace {{LC}},
	destination_version {{LC}},
	protocol {{LC}},
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
) ENGINE = ReplacingMergeTree
PARTITION BY day
ORDER BY (destination_service, destination_namespace, minute_s, source_service, source_namespace, source_version,
	destination_version, protocol, code_class, source, reporter, batch_id)
