package embedded

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meshlens/meshlens/storage"
)

var _ storage.RollupReader = (*Backend)(nil)

// Rollups implements storage.RollupReader in two DuckDB queries over the
// same rows: a GROUP BY for every sum and maximum, then the rows' sketches
// (one per group and block or minute: writes merge into one row per key
// and grain, and a window reads whole blocks where it covers them), which
// are merged in Go as dense bin arrays (storage.SketchBins). DuckDB cannot
// merge DDSketches itself, and aggregating BLOBs into lists in SQL was
// measured slower than fetching them.
func (b *Backend) Rollups(ctx context.Context, q storage.RollupQuery) ([]storage.RollupAggregate, error) {
	start, end := q.Start.UTC().Truncate(time.Minute), q.End.UTC().Truncate(time.Minute)
	if q.End.After(end) {
		end = end.Add(time.Minute) // a partial last minute counts whole
	}
	if !end.After(start) {
		return nil, fmt.Errorf("embedded: rollups need a window with Start before End")
	}
	where, args := rollupWhere(q, start, end)
	minute := ""
	if q.PerMinute {
		minute = "minute, "
	}
	group := minute + "group_hash, source, reporter, source_service, source_namespace, source_version, " +
		"destination_service, destination_namespace, destination_version, protocol"
	sums := "SELECT " + group + ", sum(requests)::BIGINT, sum(errors)::BIGINT, sum(client_errors)::BIGINT, " +
		"sum(bytes_in)::BIGINT, sum(bytes_out)::BIGINT, sum(mtls_requests)::BIGINT, sum(mtls_known)::BIGINT, " +
		"sum(requests_0)::BIGINT, sum(requests_1xx)::BIGINT, sum(requests_2xx)::BIGINT, sum(requests_3xx)::BIGINT, " +
		"sum(requests_4xx)::BIGINT, sum(requests_5xx)::BIGINT, max(latency_error) FROM rollups " + where + " GROUP BY " + group
	type gkey = rollupGroup
	// The sketches are fetched concurrently with the sums: DuckDB
	// aggregates while Go scans and merges.
	type binsResult struct {
		bins map[gkey]*storage.SketchBins
		err  error
	}
	sketches := make(chan binsResult, 1)
	if q.SkipLatency {
		sketches <- binsResult{}
	} else {
		go func() {
			bins, err := b.rollupSketches(ctx, "SELECT "+minute+"group_hash, latency FROM rollups "+where, args, q.PerMinute)
			sketches <- binsResult{bins, err}
		}()
	}
	var out []storage.RollupAggregate
	var keys []gkey
	seen := map[gkey]bool{}
	rows, err := b.duck.db.QueryContext(ctx, sums, args...)
	if err != nil {
		<-sketches
		return nil, fmt.Errorf("embedded: reading rollups: %w", err)
	}
	for rows.Next() {
		var a storage.RollupAggregate
		var k gkey
		e := &a.Edge
		dests := []any{&k.hash, &a.Source, &a.Reporter, &e.SourceService, &e.SourceNamespace, &e.SourceVersion,
			&e.DestinationService, &e.DestinationNamespace, &e.DestinationVersion, &e.Protocol,
			&a.Requests, &a.Errors, &a.ClientErrors, &a.BytesIn, &a.BytesOut, &a.MTLSRequests, &a.MTLSKnown,
			&a.RequestsByClass[0], &a.RequestsByClass[1], &a.RequestsByClass[2], &a.RequestsByClass[3],
			&a.RequestsByClass[4], &a.RequestsByClass[5], &a.LatencyError}
		if q.PerMinute {
			dests = append([]any{&a.Minute}, dests...)
		}
		if err := rows.Scan(dests...); err != nil {
			rows.Close()
			<-sketches
			return nil, fmt.Errorf("embedded: scanning rollups: %w", err)
		}
		a.Minute = a.Minute.UTC()
		k.minute = a.Minute
		if seen[k] {
			rows.Close()
			<-sketches
			return nil, fmt.Errorf("embedded: rollup group hash %x collides", k.hash)
		}
		seen[k] = true
		keys = append(keys, k)
		out = append(out, a)
	}
	rows.Close()
	res := <-sketches
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading rollups: %w", err)
	}
	if res.err != nil {
		return nil, res.err
	}
	if q.SkipLatency {
		return out, nil
	}
	for i, k := range keys {
		if sb := res.bins[k]; sb != nil {
			out[i].Latency = sb.Sketch()
		} else {
			out[i].Latency = storage.NewLatencySketch()
		}
	}
	return out, nil
}

// rollupGroup identifies one group of a rollup answer: the group's hash
// (and minute, for per-minute answers).
type rollupGroup struct {
	minute time.Time
	hash   uint64
}

// rollupSketches merges the sketches query returns, per (minute, group
// hash).
func (b *Backend) rollupSketches(ctx context.Context, query string, args []any, perMinute bool) (map[rollupGroup]*storage.SketchBins, error) {
	type gkey = rollupGroup
	rows, err := b.duck.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded: reading rollup sketches: %w", err)
	}
	defer rows.Close()
	bins := map[gkey]*storage.SketchBins{}
	var blob []byte
	for rows.Next() {
		var k gkey
		dests := []any{&k.hash, &blob}
		if perMinute {
			dests = []any{&k.minute, &k.hash, &blob}
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("embedded: scanning rollup sketches: %w", err)
		}
		k.minute = k.minute.UTC()
		sb := bins[k]
		if sb == nil {
			sb = &storage.SketchBins{}
			bins[k] = sb
		}
		if err := sb.Merge(blob); err != nil {
			return nil, fmt.Errorf("embedded: rollup sketch of group %x: %w", k.hash, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: reading rollup sketches: %w", err)
	}
	return bins, nil
}

// rollupWhere is the WHERE clause of q over [start, end) and its
// arguments.
func rollupWhere(q storage.RollupQuery, start, end time.Time) (string, []any) {
	var where strings.Builder
	where.WriteString("WHERE minute >= $1 AND minute < $2")
	args := []any{start, end}
	if q.PerMinute {
		where.WriteString(" AND grain = 1")
	} else {
		// Whole blocks inside the window, minutes at its ends.
		bStart, bEnd := start.Add(blockGrain-time.Minute).Truncate(blockGrain), end.Truncate(blockGrain)
		if bStart.Before(bEnd) {
			args = append(args, bStart, bEnd)
			where.WriteString(" AND ((grain = 1 AND (minute < $3 OR minute >= $4))" +
				" OR (grain = " + strconv.Itoa(blockMinutes) + " AND minute >= $3 AND minute < $4))")
		} else {
			where.WriteString(" AND grain = 1")
		}
	}
	cond := func(sql string, v any) {
		args = append(args, v)
		where.WriteString(" AND " + strings.ReplaceAll(sql, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.Namespace != "" {
		cond("(source_namespace = ? OR destination_namespace = ?)", q.Namespace)
	}
	for _, f := range []struct{ col, v string }{
		{"source_service", q.SourceService}, {"source_namespace", q.SourceNamespace},
		{"destination_service", q.DestinationService}, {"destination_namespace", q.DestinationNamespace},
	} {
		if f.v != "" {
			cond(f.col+" = ?", f.v)
		}
	}
	if len(q.Sources) > 0 {
		list := make([]string, len(q.Sources))
		for i, s := range q.Sources {
			list[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
		where.WriteString(" AND source IN (" + strings.Join(list, ", ") + ")")
	}
	return where.String(), args
}
