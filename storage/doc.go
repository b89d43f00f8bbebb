// Package storage defines meshlens' row types and the seams between ingest,
// backends and query engines.
//
// Every backend (storage/embedded, storage/clickhouse) implements the same
// small interfaces declared here, and storage/storagetest holds the
// conformance suite each backend runs. Query engines depend only on these
// interfaces, never on a backend. Optional abilities are separate interfaces
// that callers discover with a type assertion.
//
// Durability contract shared by every writer: a nil error means the rows are
// durable, i.e. they survive a crash of the meshlens process and will be
// visible to readers. A non-nil error means none, some or all rows may have
// been written; callers retry the whole batch, so backends must tolerate an
// exact replay: the stored data is unchanged by it. (Prometheus-style sample
// stores answer a replayed older sample with a RejectedError; that is
// allowed, since the data is intact.)
package storage
