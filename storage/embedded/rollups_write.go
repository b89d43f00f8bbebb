package embedded

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/cespare/xxhash/v2"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/meshlens/meshlens/storage"
)

var _ storage.RollupWriter = (*Backend)(nil)

// WriteRollups implements storage.RollupWriter in one DuckDB transaction
// (durable on a nil error, nothing stored otherwise): when batchID is
// already in rollup_batches the batch is skipped; otherwise every row is
// merged into the stored row of its key at each grain (read, merged in Go
// since DuckDB cannot merge DDSketches, and replaced) or appended, and
// batchID is recorded. Rows older than the rollup retention are dropped.
func (b *Backend) WriteRollups(ctx context.Context, batchID uint64, rows []storage.Rollup) error {
	s := b.duck
	cutoff := s.now().Add(-s.rollupKeep())
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.tx(ctx, func(c rawConn) error {
		done, err := c.batchWritten(ctx, batchID)
		if err != nil || done {
			return err
		}
		merged := map[rollupKey]*storedRollup{}
		var lo, hi time.Time
		for i := range rows {
			r := &rows[i]
			if r.Minute.Before(cutoff) || r.Latency == nil || r.CodeClass < 0 || r.CodeClass > 5 {
				continue
			}
			minute := keyOf(&r.RollupKey)
			block := minute
			block.grain, block.minute = blockMinutes, minute.minute.Truncate(blockGrain)
			for _, k := range []rollupKey{minute, block} {
				m := merged[k]
				if m == nil {
					m = &storedRollup{latency: storage.NewLatencySketch()}
					merged[k] = m
				}
				if err := m.add(r.RollupCounts, r.CodeClass, r.LatencyError); err != nil {
					return err
				}
				if err := m.latency.MergeWith(r.Latency); err != nil {
					return fmt.Errorf("merging latency sketches: %w", err)
				}
			}
			if lo.IsZero() || minute.minute.Before(lo) {
				lo = minute.minute
			}
			if minute.minute.After(hi) {
				hi = minute.minute
			}
		}
		if len(merged) > 0 {
			if err := c.mergeStored(ctx, merged, lo, hi); err != nil {
				return err
			}
			if err := c.appendRollups(ctx, merged); err != nil {
				return err
			}
		}
		return c.exec(ctx, "INSERT INTO rollup_batches VALUES ($1, $2)", batchID, s.now().UTC())
	})
	if err != nil {
		return fmt.Errorf("embedded: writing %d rollups: %w", len(rows), err)
	}
	return nil
}

// rollupKey is the key of a stored rollup row: a storage.RollupKey
// without the code class (which becomes per-class request counts), with
// its grain, and the minute in UTC.
type rollupKey struct {
	grain                                                                 int16 // minutes
	minute                                                                time.Time
	source, reporter, srcSvc, srcNS, srcVer, dstSvc, dstNS, dstVer, proto string
}

func keyOf(k *storage.RollupKey) rollupKey {
	e := &k.Edge
	return rollupKey{1, k.Minute.UTC().Truncate(time.Minute), k.Source, k.Reporter, e.SourceService, e.SourceNamespace,
		e.SourceVersion, e.DestinationService, e.DestinationNamespace, e.DestinationVersion, e.Protocol}
}

// groupHash is xxhash64 over the key's strings (not grain or minute),
// each length-prefixed.
func (k *rollupKey) groupHash() uint64 {
	var d xxhash.Digest
	d.Reset()
	var buf [8]byte
	for _, s := range []string{k.source, k.reporter, k.srcSvc, k.srcNS, k.srcVer, k.dstSvc, k.dstNS, k.dstVer, k.proto} {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		_, _ = d.Write(buf[:])
		_, _ = d.WriteString(s)
	}
	return d.Sum64()
}

// storedRollup is the measures of one stored row.
type storedRollup struct {
	counts       storage.RollupCounts
	byClass      [6]int64
	latency      *ddsketch.DDSketch
	latencyError float64
}

func (m *storedRollup) add(c storage.RollupCounts, class int8, latencyError float64) error {
	m.counts.Add(c)
	m.byClass[class] += c.Requests
	m.latencyError = math.Max(m.latencyError, latencyError)
	return nil
}

func (c rawConn) batchWritten(ctx context.Context, id uint64) (bool, error) {
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, "SELECT count(*) FROM rollup_batches WHERE batch_id = $1",
		[]driver.NamedValue{{Ordinal: 1, Value: id}})
	if err != nil {
		return false, fmt.Errorf("checking rollup_batches: %w", err)
	}
	defer rows.Close()
	vals := make([]driver.Value, 1)
	if err := rows.Next(vals); err != nil {
		return false, fmt.Errorf("checking rollup_batches: %w", err)
	}
	return vals[0].(int64) > 0, nil
}

// rollupValueColumns are the measure columns, in storedRollup order.
const rollupValueColumns = "requests, errors, client_errors, bytes_in, bytes_out, mtls_requests, mtls_known, " +
	"requests_0, requests_1xx, requests_2xx, requests_3xx, requests_4xx, requests_5xx, latency, latency_error"

// mergeStored folds the stored rows of merged's keys into merged (which
// then holds the new totals) and deletes them, so appendRollups leaves one
// row per key.
func (c rawConn) mergeStored(ctx context.Context, merged map[rollupKey]*storedRollup, lo, hi time.Time) error {
	// The minutes [lo, hi] and the blocks that hold them.
	q := "SELECT rowid, " + rollupKeyColumns + ", group_hash, " + rollupValueColumns + " FROM rollups " +
		"WHERE minute BETWEEN $1 AND $2 AND (grain = 1 AND minute >= $3 OR grain = " + strconv.Itoa(blockMinutes) + ")"
	args := []driver.NamedValue{{Ordinal: 1, Value: lo.Truncate(blockGrain)}, {Ordinal: 2, Value: hi}, {Ordinal: 3, Value: lo}}
	if src := oneSource(merged); src != "" {
		q += " AND source = $4"
		args = append(args, driver.NamedValue{Ordinal: 4, Value: src})
	}
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
	if err != nil {
		return fmt.Errorf("reading stored rollups: %w", err)
	}
	var stale []int64
	vals := make([]driver.Value, 28)
	for {
		if err := rows.Next(vals); err != nil {
			if err == io.EOF {
				break
			}
			rows.Close()
			return fmt.Errorf("reading stored rollups: %w", err)
		}
		k := rollupKey{vals[1].(int16), vals[2].(time.Time).UTC(), vals[3].(string), vals[4].(string), vals[5].(string),
			vals[6].(string), vals[7].(string), vals[8].(string), vals[9].(string), vals[10].(string), vals[11].(string)}
		m := merged[k]
		if m == nil {
			continue
		}
		stale = append(stale, vals[0].(int64))
		n := func(i int) int64 { return vals[i].(int64) }
		m.counts.Add(storage.RollupCounts{Requests: n(13), Errors: n(14), ClientErrors: n(15), BytesIn: n(16),
			BytesOut: n(17), MTLSRequests: n(18), MTLSKnown: n(19)})
		for cl := range m.byClass {
			m.byClass[cl] += n(20 + cl)
		}
		if err := storage.MergeEncodedSketch(m.latency, vals[26].([]byte)); err != nil {
			rows.Close()
			return fmt.Errorf("stored rollup at %s: %w", k.minute, err)
		}
		m.latencyError = math.Max(m.latencyError, vals[27].(float64))
	}
	rows.Close()
	if len(stale) == 0 {
		return nil
	}
	// One statement for all of them: rowid IN (...) is a point lookup.
	var in strings.Builder
	for i, id := range stale {
		if i > 0 {
			in.WriteByte(',')
		}
		in.WriteString(strconv.FormatInt(id, 10))
	}
	if err := c.exec(ctx, "DELETE FROM rollups WHERE rowid IN ("+in.String()+")"); err != nil {
		return fmt.Errorf("replacing stored rollups: %w", err)
	}
	return nil
}

// oneSource is the source of every key, or "" when they differ.
func oneSource(merged map[rollupKey]*storedRollup) string {
	src := ""
	for k := range merged {
		if src != "" && k.source != src {
			return ""
		}
		src = k.source
	}
	return src
}

func (c rawConn) appendRollups(ctx context.Context, merged map[rollupKey]*storedRollup) error {
	app, err := duckdb.NewAppender(c.Conn, "", "", "rollups")
	if err != nil {
		return fmt.Errorf("appender for rollups: %w", err)
	}
	for k, r := range merged {
		n := &r.counts
		bc := &r.byClass
		if err := app.AppendRow(k.grain, k.minute, k.source, k.reporter, k.srcSvc, k.srcNS, k.srcVer, k.dstSvc, k.dstNS, k.dstVer,
			k.proto, k.groupHash(), n.Requests, n.Errors, n.ClientErrors, n.BytesIn, n.BytesOut, n.MTLSRequests, n.MTLSKnown,
			bc[0], bc[1], bc[2], bc[3], bc[4], bc[5], storage.EncodeSketch(nil, r.latency), r.latencyError); err != nil {
			_ = app.Close()
			return fmt.Errorf("appending to rollups: %w", err)
		}
	}
	if err := app.CloseWithCancel(ctx); err != nil {
		return fmt.Errorf("flushing rollups: %w", err)
	}
	return nil
}

// expireRollups deletes rollups and batch ids older than the rollup
// retention. The caller holds wmu.
func (s *duckStore) expireRollups(ctx context.Context, now time.Time) error {
	cutoff := now.Add(-s.rollupKeep()).UTC()
	err := s.tx(ctx, func(c rawConn) error {
		if err := c.exec(ctx, "DELETE FROM rollups WHERE minute < $1", cutoff); err != nil {
			return err
		}
		return c.exec(ctx, "DELETE FROM rollup_batches WHERE written < $1", cutoff)
	})
	if err != nil {
		return fmt.Errorf("embedded: deleting expired rollups: %w", err)
	}
	return nil
}

// rollupKeep is the rollup retention, DefaultRollupRetention when unset.
func (s *duckStore) rollupKeep() time.Duration {
	if s.rollupRetention <= 0 {
		return DefaultRollupRetention
	}
	return s.rollupRetention
}
