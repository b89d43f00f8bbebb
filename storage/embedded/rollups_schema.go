package embedded

import "time"

// DefaultRollupRetention is how long rollups are kept when
// Config.RollupRetention is 0: longer than raw data, so RED and the graph
// reach further back than the records they came from.
const DefaultRollupRetention = 30 * 24 * time.Hour

// rollupKeyColumns are the key columns of the rollups table, in the order
// rollupRow's key values use.
const rollupKeyColumns = "grain, minute, source, reporter, source_service, source_namespace, source_version, " +
	"destination_service, destination_namespace, destination_version, protocol"

// rollupsSchema creates the rollup tables.
//
// rollups holds one row per (grain, minute, source, reporter, edge):
// writers merge into the row of their key instead of adding rows (see
// WriteRollups). The code class of storage.RollupKey is kept as exact
// request counts per class (requests_0 for no code, requests_1xx …
// requests_5xx); the latency sketch spans all classes, because a sketch
// per class would double the rows (and sketches) a graph query reads when
// an edge has both successes and errors. Every row is kept at two grains: grain 1, the minute
// itself, and grain blockMinutes, the block of that many minutes starting
// at minute; a window reads whole blocks where it covers them and minutes
// at its ragged ends, so one hour reads at most 5 blocks and 18 minutes
// per group instead of 60 minutes. There is no PRIMARY KEY: DuckDB keeps ART indexes in
// memory, and the writer finds the rows of a batch's minutes through the
// minute zonemaps instead (rollups arrive roughly in minute order).
// latency is the row's DDSketch bins (storage.EncodeSketch). group_hash is
// a hash of the key without grain and minute (groupHash), so that readers
// fetch sketches with one integer per row instead of the key's strings.
//
// rollup_batches remembers the batch ids written, for the replay check; it
// is pruned with the rows.
var rollupsSchema = []string{
	`CREATE TABLE IF NOT EXISTS rollups (
	grain SMALLINT NOT NULL,
	minute TIMESTAMP NOT NULL,
	source VARCHAR NOT NULL,
	reporter VARCHAR NOT NULL,
	source_service VARCHAR NOT NULL,
	source_namespace VARCHAR NOT NULL,
	source_version VARCHAR NOT NULL,
	destination_service VARCHAR NOT NULL,
	destination_namespace VARCHAR NOT NULL,
	destination_version VARCHAR NOT NULL,
	protocol VARCHAR NOT NULL,
	group_hash UBIGINT NOT NULL,
	requests BIGINT NOT NULL,
	errors BIGINT NOT NULL,
	client_errors BIGINT NOT NULL,
	bytes_in BIGINT NOT NULL,
	bytes_out BIGINT NOT NULL,
	mtls_requests BIGINT NOT NULL,
	mtls_known BIGINT NOT NULL,
	requests_0 BIGINT NOT NULL,
	requests_1xx BIGINT NOT NULL,
	requests_2xx BIGINT NOT NULL,
	requests_3xx BIGINT NOT NULL,
	requests_4xx BIGINT NOT NULL,
	requests_5xx BIGINT NOT NULL,
	latency BLOB NOT NULL,
	latency_error DOUBLE NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS rollup_batches (
	batch_id UBIGINT NOT NULL,
	written TIMESTAMP NOT NULL)`,
}

// blockMinutes is the coarse grain of the rollups table, in minutes.
const blockMinutes = 10

// blockGrain is blockMinutes as a duration.
const blockGrain = blockMinutes * time.Minute

func (c *Config) rollupRetention() time.Duration {
	if c.RollupRetention == 0 {
		return DefaultRollupRetention
	}
	return c.RollupRetention
}
