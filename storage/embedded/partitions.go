package embedded

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Access logs are partitioned by UTC day: one table access_logs_YYYYMMDD
// per day that has records, and a view access_logs over all of them, so
// that retention drops whole tables instead of deleting rows. The view is
// recreated in the same transaction as any day table it gains or loses, so
// readers (who all go through it) never see a half-changed set.
const (
	accessLogsView     = "access_logs"
	accessLogsDayFmt   = "access_logs_20060102"
	accessLogsPrefix   = "access_logs_"
	accessLogsTemplate = "access_logs_template" // never holds rows: gives the view its columns
)

// utcDay is the UTC midnight starting t's day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dayTable(day time.Time) string { return day.Format(accessLogsDayFmt) }

// listDays reads the day tables that exist.
func (s *duckStore) listDays(ctx context.Context) (map[time.Time]bool, error) {
	rows, err := s.wconn.QueryContext(ctx,
		"SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND starts_with(table_name, ?)",
		duckCatalog, accessLogsPrefix)
	if err != nil {
		return nil, fmt.Errorf("listing access_logs day tables: %w", err)
	}
	defer rows.Close()
	days := map[time.Time]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("listing access_logs day tables: %w", err)
		}
		if day, err := time.Parse(accessLogsDayFmt, name); err == nil {
			days[day] = true
		}
	}
	return days, rows.Err()
}

// viewSQL (re)defines the access_logs view over the template and every day
// table in s.days. The caller holds wmu.
func (s *duckStore) viewSQL() string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW " + accessLogsView + " AS SELECT * FROM " + accessLogsTemplate)
	for _, day := range slices.SortedFunc(maps.Keys(s.days), time.Time.Compare) {
		b.WriteString("\nUNION ALL SELECT * FROM " + dayTable(day))
	}
	return b.String()
}

// ensureDays creates the missing day tables among days, and the view over
// them, in one transaction of their own: an empty day table left behind by
// a failed write is harmless. The caller holds wmu.
func (s *duckStore) ensureDays(ctx context.Context, days []time.Time) error {
	var missing []time.Time
	for _, d := range days {
		if !s.days[d] && !slices.Contains(missing, d) {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err := s.tx(ctx, func(c rawConn) error {
		for _, d := range missing {
			q := "CREATE TABLE IF NOT EXISTS " + dayTable(d) + " AS FROM " + accessLogsTemplate + " WITH NO DATA"
			if err := c.exec(ctx, q); err != nil {
				return fmt.Errorf("creating %s: %w", dayTable(d), err)
			}
			s.days[d] = true
		}
		return c.exec(ctx, s.viewSQL())
	})
	if err != nil {
		for _, d := range missing {
			delete(s.days, d)
		}
		return fmt.Errorf("embedded: %w", err)
	}
	return nil
}

// dropDays drops the given day tables and redefines the view, in one
// transaction. The caller holds wmu.
func (s *duckStore) dropDays(ctx context.Context, days []time.Time) error {
	if len(days) == 0 {
		return nil
	}
	err := s.tx(ctx, func(c rawConn) error {
		for _, d := range days {
			delete(s.days, d)
			if err := c.exec(ctx, "DROP TABLE IF EXISTS "+dayTable(d)); err != nil {
				return fmt.Errorf("dropping %s: %w", dayTable(d), err)
			}
		}
		return c.exec(ctx, s.viewSQL())
	})
	if err != nil {
		for _, d := range days {
			s.days[d] = true
		}
		return fmt.Errorf("embedded: %w", err)
	}
	return nil
}
