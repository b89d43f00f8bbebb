package embedded

import (
	"context"
	"fmt"
	"slices"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/spancols"
)

var (
	_ storage.RemoteServiceReader = (*Backend)(nil)
	_ storage.AutocompleteReader  = (*Backend)(nil)
)

// maxAutocompleteValues bounds one autocomplete answer: a pick list, not
// an export.
const maxAutocompleteValues = 1_000

// RemoteServices implements storage.RemoteServiceReader.
func (b *Backend) RemoteServices(ctx context.Context, service string) ([]string, error) {
	return queryStrings(ctx, b.duck.db,
		"SELECT DISTINCT peer_service FROM "+spansView+" WHERE service = ? AND peer_service <> '' ORDER BY 1", service)
}

// AutocompleteKeys implements storage.AutocompleteReader: the keys of
// Config.AutocompleteKeys, sorted.
func (b *Backend) AutocompleteKeys(context.Context) ([]string, error) {
	return slices.Clone(b.autocompleteKeys), nil
}

// AutocompleteValues implements storage.AutocompleteReader: the distinct
// values of key among the stored spans' tags (and, for the keys ingest
// keeps as typed columns, that column), sorted, at most
// maxAutocompleteValues.
func (b *Backend) AutocompleteValues(ctx context.Context, key string) ([]string, error) {
	if !slices.Contains(b.autocompleteKeys, key) {
		return []string{}, nil
	}
	q := "SELECT DISTINCT v FROM (SELECT " + attrValueSQL + " AS v FROM " + spansView
	args := []any{spancols.AttrKeyMarker(key), spancols.AttrKeyMarker(key)}
	if col, ok := tagColumns[key]; ok { // "0" is an unset http_status
		q += " UNION ALL SELECT " + col + " FROM " + spansView + " WHERE " + col + " NOT IN ('', '0')"
	}
	q += fmt.Sprintf(") WHERE v IS NOT NULL AND v <> '' ORDER BY v LIMIT %d", maxAutocompleteValues)
	return queryStrings(ctx, b.duck.db, q, args...)
}
