package embedded

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
)

// escAttrSQL escapes x as spancols' attribute text does.
func escAttrSQL(x string) string {
	return "replace(replace(replace(coalesce(" + x + ", ''), chr(28), chr(28) || '0'), chr(30), chr(28) || '1'), chr(31), chr(28) || '2')"
}

// listsToAttrsSQL renders the attribute lists of the old span layout as
// attribute text (spancols.EncodeAttrs).
var listsToAttrsSQL = "CASE WHEN coalesce(len(attr_keys), 0) = 0 THEN '' ELSE array_to_string(list_transform(range(1, len(attr_keys) + 1), " +
	"lambda i: chr(31) || " + escAttrSQL("attr_keys[i]") + " || chr(30) || " + escAttrSQL("attr_values[i]") + "), '') || chr(31) END"

// migrateSpanAttrs rewrites the span tables written before attributes
// became one column of attribute text (they had two lists, attr_keys and
// attr_values) into the current layout, in the caller's transaction: the
// template and each day table that still has attr_keys. A table's indexes
// go with it; init creates them again. Rows keep their row_hash, so an
// exact replay of a batch stored before the change is stored again.
func migrateSpanAttrs(ctx context.Context, c rawConn) error {
	tables, err := queryColumn(ctx, c, "SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = '"+duckCatalog+
		"' AND schema_name = 'main' AND column_name = 'attr_keys' AND (table_name = '"+spansTemplate+"' OR table_name LIKE '"+spansPrefix+"%')")
	if err != nil {
		return fmt.Errorf("finding span tables to migrate: %w", err)
	}
	for _, t := range tables {
		tmp := t + "_migrating"
		for _, q := range []string{
			"DROP TABLE IF EXISTS " + tmp,
			spanTable.createSQL(tmp),
			"INSERT INTO " + tmp + " BY NAME SELECT * EXCLUDE (attr_keys, attr_values), " + listsToAttrsSQL + " AS " + attrsColumn + " FROM " + t,
			"DROP TABLE " + t,
			"ALTER TABLE " + tmp + " RENAME TO " + t,
		} {
			if err := c.exec(ctx, q); err != nil {
				return fmt.Errorf("migrating %s to attribute text: %s: %w", t, strings.SplitN(q, " (", 2)[0], err)
			}
		}
	}
	return nil
}

// queryColumn runs q on c and returns its first column as strings.
func queryColumn(ctx context.Context, c rawConn, q string) ([]string, error) {
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	vals := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(vals); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, err
		}
		s, _ := vals[0].(string)
		out = append(out, s)
	}
}
