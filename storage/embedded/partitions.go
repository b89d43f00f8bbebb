package embedded

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Access logs and spans are partitioned by UTC day: one table per day that
// has rows (access_logs_YYYYMMDD, spans_YYYYMMDD) and a view over all of
// them (access_logs, spans), so that retention drops whole tables instead
// of deleting rows. A view is recreated in the same transaction as any day
// table it gains or loses, so readers (who all go through it) never see a
// half-changed set.
const (
	accessLogsView     = "access_logs"
	accessLogsDayFmt   = "access_logs_20060102"
	accessLogsPrefix   = "access_logs_"
	accessLogsTemplate = "access_logs_template" // never holds rows: gives the view its columns

	spansView     = "spans"
	spansDayFmt   = "spans_20060102"
	spansPrefix   = "spans_"
	spansTemplate = "spans_template"
)

// partitioned describes one day-partitioned signal: its view, the time
// layout of its day tables' names (which all start with prefix) and the
// empty template table the day tables copy.
type partitioned struct {
	view, dayFmt, prefix, template string
	// indexed are the columns each day table has an ART index on: the
	// point lookups' columns (a trace or request id among millions). DuckDB
	// uses such an index only for a scan with that one filter, so lookups
	// filter on it alone in a MATERIALIZED CTE and check the rest after.
	indexed []string
}

var (
	accessLogParts = &partitioned{view: accessLogsView, dayFmt: accessLogsDayFmt, prefix: accessLogsPrefix, template: accessLogsTemplate,
		indexed: []string{requestHashColumn}}
	spanParts = &partitioned{view: spansView, dayFmt: spansDayFmt, prefix: spansPrefix, template: spansTemplate,
		indexed: []string{"trace_id_low", requestHashColumn}}
)

// table is the name of p's day table for day.
func (p *partitioned) table(day time.Time) string { return day.Format(p.dayFmt) }

// partitionedSignals is every day-partitioned signal, for open and retention.
var partitionedSignals = []*partitioned{accessLogParts, spanParts}

// utcDay is the UTC midnight starting t's day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysOf is the set of p's day tables; the caller holds wmu (or is init).
func (s *duckStore) daysOf(p *partitioned) map[time.Time]bool {
	if p == spanParts {
		return s.spanDays
	}
	return s.days
}

// listDays reads p's day tables that exist.
func (s *duckStore) listDays(ctx context.Context, p *partitioned) (map[time.Time]bool, error) {
	rows, err := s.wconn.QueryContext(ctx,
		"SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND starts_with(table_name, ?)",
		duckCatalog, p.prefix)
	if err != nil {
		return nil, fmt.Errorf("listing %s day tables: %w", p.view, err)
	}
	defer rows.Close()
	days := map[time.Time]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("listing %s day tables: %w", p.view, err)
		}
		if day, err := time.Parse(p.dayFmt, name); err == nil {
			days[day] = true
		}
	}
	return days, rows.Err()
}

// viewSQL (re)defines p's view over its template and every day table of
// it that exists. The caller holds wmu.
func (s *duckStore) viewSQL(p *partitioned) string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW " + p.view + " AS SELECT * FROM " + p.template)
	for _, day := range slices.SortedFunc(maps.Keys(s.daysOf(p)), time.Time.Compare) {
		b.WriteString("\nUNION ALL SELECT * FROM " + p.table(day))
	}
	return b.String()
}

// ensureDays creates p's missing day tables among days, and the view over
// them, in one transaction of their own: an empty day table left behind by
// a failed write is harmless. The caller holds wmu.
func (s *duckStore) ensureDays(ctx context.Context, p *partitioned, days []time.Time) error {
	have := s.daysOf(p)
	var missing []time.Time
	for _, d := range days {
		if !have[d] && !slices.Contains(missing, d) {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err := s.tx(ctx, func(c rawConn) error {
		for _, d := range missing {
			q := "CREATE TABLE IF NOT EXISTS " + p.table(d) + " AS FROM " + p.template + " WITH NO DATA"
			if err := c.exec(ctx, q); err != nil {
				return fmt.Errorf("creating %s: %w", p.table(d), err)
			}
			if err := p.index(ctx, c, d); err != nil {
				return err
			}
			have[d] = true
		}
		return c.exec(ctx, s.viewSQL(p))
	})
	if err != nil {
		for _, d := range missing {
			delete(have, d)
		}
		return fmt.Errorf("embedded: %w", err)
	}
	return nil
}

// index creates day d's missing indexes.
func (p *partitioned) index(ctx context.Context, c rawConn, d time.Time) error {
	for _, col := range p.indexed {
		q := "CREATE INDEX IF NOT EXISTS " + p.table(d) + "_" + col + " ON " + p.table(d) + " (" + col + ")"
		if err := c.exec(ctx, q); err != nil {
			return fmt.Errorf("indexing %s.%s: %w", p.table(d), col, err)
		}
	}
	return nil
}

// pointRead is a MATERIALIZED CTE "hits" of p's rows whose indexed column
// col equals v, as a literal: the one-filter scan DuckDB answers from the
// index. The query that follows selects from hits and applies any other
// condition there, where DuckDB cannot push it into that scan.
func (p *partitioned) pointRead(col string, v uint64) string {
	return fmt.Sprintf("WITH hits AS MATERIALIZED (SELECT * FROM %s WHERE %s = %d::UBIGINT)\n", p.view, col, v)
}

// dropDays drops p's given day tables and redefines its view, in one
// transaction. The caller holds wmu.
func (s *duckStore) dropDays(ctx context.Context, p *partitioned, days []time.Time) error {
	if len(days) == 0 {
		return nil
	}
	have := s.daysOf(p)
	err := s.tx(ctx, func(c rawConn) error {
		for _, d := range days {
			delete(have, d)
			if err := c.exec(ctx, "DROP TABLE IF EXISTS "+p.table(d)); err != nil {
				return fmt.Errorf("dropping %s: %w", p.table(d), err)
			}
		}
		return c.exec(ctx, s.viewSQL(p))
	})
	if err != nil {
		for _, d := range days {
			have[d] = true
		}
		return fmt.Errorf("embedded: %w", err)
	}
	return nil
}

// dayTargets groups rows by the UTC day of timeOf, with each day's time
// range (truncated to µs), in day order, as p's day tables.
func dayTargets[T any](p *partitioned, rows []T, timeOf func(*T) time.Time) []target {
	byDay := map[time.Time]*target{}
	for i := range rows {
		t := timeOf(&rows[i]).Truncate(time.Microsecond).UTC()
		day := utcDay(t)
		tg := byDay[day]
		if tg == nil {
			byDay[day] = &target{table: p.table(day), from: t, to: t}
			continue
		}
		if t.Before(tg.from) {
			tg.from = t
		}
		if t.After(tg.to) {
			tg.to = t
		}
	}
	out := make([]target, 0, len(byDay))
	for _, t := range byDay {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b target) int { return a.from.Compare(b.from) })
	return out
}

// writeDays stores rows into p's day tables through table, in one
// transaction after creating any missing day tables; see WriteAccessLogs
// for the guarantees.
func writeDays[T any](ctx context.Context, s *duckStore, p *partitioned, table *appendTable[T], rows []T) error {
	targets := dayTargets(p, rows, table.timeOf)
	days := make([]time.Time, len(targets))
	for i, t := range targets {
		days[i] = utcDay(t.from)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.ensureDays(ctx, p, days); err != nil {
		return err
	}
	err := s.tx(ctx, func(c rawConn) error { return table.write(ctx, c, rows, targets) })
	if err != nil {
		return fmt.Errorf("embedded: writing %d rows to %s: %w", len(rows), p.view, err)
	}
	return nil
}
