package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
)

var (
	_ storage.RollupWriter = (*Backend)(nil)
	_ storage.RollupReader = (*Backend)(nil)
)

// rollupInsertColumns is the INSERT column list of edge_rollups.
const rollupInsertColumns = "day, minute_s, source, reporter, source_service, source_namespace, source_version, " +
	"destination_service, destination_namespace, destination_version, protocol, code_class, " +
	"requests, errors, client_errors, bytes_in, bytes_out, mtls_requests, mtls_known, " +
	"latency_zero, latency_bins, latency_counts, latency_error, batch_id"

// WriteRollups implements storage.RollupWriter: rows with the same key
// within the batch are added up first, then the batch is one INSERT, each
// row carrying batchID. A replay of the batch repeats its rows' whole
// sorting key (which ends in the batch id), so readers' FINAL keeps one
// copy: the replay counts once. Rows of other batches with the same key add
// up at read time. A nil error means ClickHouse acknowledged the INSERT; a
// failed INSERT stored nothing of it (one block).
func (b *Backend) WriteRollups(ctx context.Context, batchID uint64, rows []storage.Rollup) error {
	if len(rows) == 0 {
		return nil
	}
	type merged struct {
		storage.Rollup
		zero   uint64
		counts map[int32]uint64
	}
	byKey := map[storage.RollupKey]*merged{}
	var order []storage.RollupKey
	for i := range rows {
		r := &rows[i]
		k := r.RollupKey
		k.Minute = k.Minute.UTC().Truncate(time.Minute)
		m := byKey[k]
		if m == nil {
			m = &merged{Rollup: storage.Rollup{RollupKey: k}, counts: map[int32]uint64{}}
			byKey[k] = m
			order = append(order, k)
		}
		m.RollupCounts.Add(r.RollupCounts)
		m.LatencyError = math.Max(m.LatencyError, r.LatencyError)
		if r.Latency != nil {
			m.zero += uint64(math.Round(r.Latency.GetZeroCount()))
			r.Latency.GetPositiveValueStore().ForEach(func(i int, c float64) bool {
				m.counts[int32(i)] += uint64(math.Round(c))
				return false
			})
			if !r.Latency.GetNegativeValueStore().IsEmpty() {
				return errors.New("clickhouse: a rollup latency sketch has negative values")
			}
		}
	}
	batch, err := b.conn.PrepareBatch(ctx, "INSERT INTO "+b.table("edge_rollups")+" ("+rollupInsertColumns+")")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into edge_rollups: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	for _, k := range order {
		m := byKey[k]
		bins := make([]int32, 0, len(m.counts))
		counts := make([]uint64, 0, len(m.counts))
		for i, c := range m.counts {
			if c > 0 {
				bins = append(bins, i)
				counts = append(counts, c)
			}
		}
		e, c := &k.Edge, &m.RollupCounts
		if err := batch.Append(utcDay(k.Minute), k.Minute.Unix(), k.Source, k.Reporter,
			e.SourceService, e.SourceNamespace, e.SourceVersion, e.DestinationService, e.DestinationNamespace, e.DestinationVersion,
			e.Protocol, k.CodeClass, c.Requests, c.Errors, c.ClientErrors, c.BytesIn, c.BytesOut, c.MTLSRequests, c.MTLSKnown,
			m.zero, bins, counts, m.LatencyError, batchID); err != nil {
			return fmt.Errorf("clickhouse: appending to edge_rollups: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: inserting %d rollup rows (batch %x): %w", len(order), batchID, err)
	}
	return nil
}

// Rollups implements storage.RollupReader in one ClickHouse query: sums,
// per-class request counts and the maximal latency error by GROUP BY, and
// the latency sketches merged in ClickHouse (sumMap over the bins), so
// one row per group reaches Go, where it becomes a DDSketch. The window is
// whole minutes: Start truncated, a partial last minute counted whole.
// With SkipLatency no sketch is read and Latency is nil.
func (b *Backend) Rollups(ctx context.Context, q storage.RollupQuery) ([]storage.RollupAggregate, error) {
	start, end := q.Start.UTC().Truncate(time.Minute), q.End.UTC().Truncate(time.Minute)
	if q.End.After(end) {
		end = end.Add(time.Minute) // a partial last minute counts whole
	}
	if !end.After(start) {
		return nil, errors.New("clickhouse: rollups need a window with Start before End")
	}
	conds := []string{"day >= toDate(?)", "day <= toDate(?)", "minute_s >= ?", "minute_s < ?"}
	args := []any{start.Format("2006-01-02"), end.Format("2006-01-02"), start.Unix(), end.Unix()}
	if q.Namespace != "" {
		conds = append(conds, "(source_namespace = ? OR destination_namespace = ?)")
		args = append(args, q.Namespace, q.Namespace)
	}
	for _, f := range []struct{ col, v string }{
		{"source_service", q.SourceService}, {"source_namespace", q.SourceNamespace},
		{"destination_service", q.DestinationService}, {"destination_namespace", q.DestinationNamespace},
	} {
		if f.v != "" {
			conds = append(conds, f.col+" = ?")
			args = append(args, f.v)
		}
	}
	if len(q.Sources) > 0 {
		ph := make([]string, len(q.Sources))
		for i, s := range q.Sources {
			ph[i] = "?"
			args = append(args, s)
		}
		conds = append(conds, "source IN ("+strings.Join(ph, ", ")+")")
	}
	cols := "source, reporter, source_service, source_namespace, source_version, " +
		"destination_service, destination_namespace, destination_version, protocol"
	group, minute := cols, "toInt64(0)"
	if q.PerMinute {
		group, minute = cols+", minute_s", "minute_s"
	}
	// The sketches merge in ClickHouse: sumMap adds the bins' counts.
	sketchCols := ", tupleElement(sumMap(latency_bins, latency_counts), 1), tupleElement(sumMap(latency_bins, latency_counts), 2)"
	if q.SkipLatency {
		sketchCols = ", emptyArrayInt32(), emptyArrayUInt64()"
	}
	query := "SELECT " + minute + ", " + cols +
		", sum(requests), sum(errors), sum(client_errors), sum(bytes_in), sum(bytes_out), sum(mtls_requests), sum(mtls_known)" +
		", sumIf(requests, code_class = 0), sumIf(requests, code_class = 1), sumIf(requests, code_class = 2)" +
		", sumIf(requests, code_class = 3), sumIf(requests, code_class = 4), sumIf(requests, code_class = 5)" +
		", max(latency_error), sum(latency_zero)" + sketchCols +
		" FROM " + b.table("edge_rollups") + " FINAL WHERE " + strings.Join(conds, " AND ") + " GROUP BY " + group
	rows, err := b.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: reading rollups: %w", err)
	}
	defer rows.Close()
	var out []storage.RollupAggregate
	for rows.Next() {
		var a storage.RollupAggregate
		var minuteS int64
		var zero uint64
		var bins []int32
		var counts []uint64
		e, c := &a.Edge, &a.RollupCounts
		if err := rows.Scan(&minuteS, &a.Source, &a.Reporter, &e.SourceService, &e.SourceNamespace, &e.SourceVersion,
			&e.DestinationService, &e.DestinationNamespace, &e.DestinationVersion, &e.Protocol,
			&c.Requests, &c.Errors, &c.ClientErrors, &c.BytesIn, &c.BytesOut, &c.MTLSRequests, &c.MTLSKnown,
			&a.RequestsByClass[0], &a.RequestsByClass[1], &a.RequestsByClass[2], &a.RequestsByClass[3],
			&a.RequestsByClass[4], &a.RequestsByClass[5], &a.LatencyError, &zero, &bins, &counts); err != nil {
			return nil, fmt.Errorf("clickhouse: scanning rollups: %w", err)
		}
		if q.PerMinute {
			a.Minute = time.Unix(minuteS, 0).UTC()
		}
		if q.SkipLatency {
			out = append(out, a)
			continue
		}
		a.Latency = storage.NewLatencySketch()
		store := a.Latency.GetPositiveValueStore()
		for i, bin := range bins {
			store.AddWithCount(int(bin), float64(counts[i]))
		}
		if zero > 0 {
			if err := a.Latency.AddWithCount(0, float64(zero)); err != nil {
				return nil, fmt.Errorf("clickhouse: rollup sketch: %w", err)
			}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: reading rollups: %w", err)
	}
	return out, nil
}
