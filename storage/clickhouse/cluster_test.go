package clickhouse

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/meshlens/meshlens/internal/chtest"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// testCluster is the one-shard cluster of ClickHouse's stock config, which
// internal/chtest points at the test server itself.
const testCluster = "test_shard_localhost"

// clusterSchema is deploy/clickhouse/cluster.sql for database db on the
// test cluster, without replication (no ZooKeeper here): the
// ReplicatedReplacingMergeTrees become ReplacingMergeTrees and the DDL
// runs on the one node directly. The Distributed tables, sharding keys and
// materialized views are as deployed.
func clusterSchema(t testing.TB, db string) []string {
	t.Helper()
	text, err := os.ReadFile("../../deploy/clickhouse/cluster.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(" ON CLUSTER CLUSTER", "", "meshlens.", db+".", "Distributed(CLUSTER, meshlens,",
		"Distributed("+testCluster+", "+db+",", "DATABASE IF NOT EXISTS meshlens", "DATABASE IF NOT EXISTS "+db).Replace(string(text))
	s = regexp.MustCompile(`ReplicatedReplacingMergeTree\([^)]*\)`).ReplaceAllString(s, "ReplacingMergeTree")
	return statements(s)
}

func openCluster(t testing.TB) *Backend {
	t.Helper()
	addr := chtest.Shared(t)
	db := chtest.NewDatabase(t, addr)
	for _, stmt := range clusterSchema(t, db) {
		if err := chtest.Exec(addr, stmt); err != nil {
			t.Fatalf("cluster.sql: %v\n%s", err, stmt)
		}
	}
	return openAt(t, Config{Endpoint: "tcp://" + addr, Database: db, Cluster: testCluster})
}

// TestClusterSchema runs the conformance suites against the cluster schema
// of deploy/clickhouse: every read and write through Distributed tables,
// with the cluster session settings.
func TestClusterSchema(t *testing.T) {
	h := storagetest.Harness{
		Open: func(t *testing.T) storage.Backend { return openCluster(t) },
		Reopen: func(t *testing.T, b storage.Backend) storage.Backend {
			cfg := b.(*Backend).cfg
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, cfg)
		},
		REDCorpusRows: 20_000,
	}
	t.Run("Samples", func(t *testing.T) { storagetest.RunSamples(t, h) })
	t.Run("AccessLogs", func(t *testing.T) { storagetest.RunAccessLogs(t, h) })
	t.Run("Spans", func(t *testing.T) { storagetest.RunSpans(t, h) })
	t.Run("Rollups", func(t *testing.T) { storagetest.RunRollups(t, h) })
}

// TestClusterSchemaRequired: with Cluster set, a missing schema is a clear
// error naming what to apply.
func TestClusterSchemaRequired(t *testing.T) {
	addr := chtest.Shared(t)
	_, err := Open(context.Background(), Config{Endpoint: addr, Database: chtest.NewDatabase(t, addr), Cluster: testCluster}, nil)
	if err == nil || !strings.Contains(err.Error(), "apply deploy/clickhouse/cluster.sql") {
		t.Fatalf("Open without the cluster schema = %v, want an error naming deploy/clickhouse/cluster.sql", err)
	}
}
