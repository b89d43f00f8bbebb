package clickhouse

import (
	"context"
	"fmt"
	"slices"

	"github.com/meshlens/meshlens/storage"
)

var (
	_ storage.RemoteServiceReader = (*Backend)(nil)
	_ storage.AutocompleteReader  = (*Backend)(nil)
)

// DefaultAutocompleteKeys are the Envoy and HTTP tags a mesh operator
// searches by (as the embedded backend's).
var DefaultAutocompleteKeys = []string{"http.method", "http.status_code", "response_flags", "upstream_cluster"}

// maxAutocompleteValues bounds one autocomplete answer: a pick list, not
// an export.
const maxAutocompleteValues = 1_000

// RemoteServices implements storage.RemoteServiceReader: the distinct peer
// services service's spans name, sorted.
func (b *Backend) RemoteServices(ctx context.Context, service string) ([]string, error) {
	return b.queryStrings(ctx, "SELECT DISTINCT toString(peer_service) AS p FROM "+b.table("spans")+
		" WHERE service = ? AND peer_service != '' ORDER BY p", service)
}

// AutocompleteKeys implements storage.AutocompleteReader: the keys of
// Config.AutocompleteKeys, sorted.
func (b *Backend) AutocompleteKeys(context.Context) ([]string, error) {
	return slices.Clone(b.cfg.autocompleteKeys()), nil
}

// AutocompleteValues implements storage.AutocompleteReader: the distinct
// non-empty values of key among the stored spans' tags (and, for the keys
// ingest keeps as typed columns, that column; an unset HTTP status is not
// a value), sorted, at most maxAutocompleteValues. A key that is not
// configured has none.
func (b *Backend) AutocompleteValues(ctx context.Context, key string) ([]string, error) {
	if !slices.Contains(b.cfg.autocompleteKeys(), key) {
		return []string{}, nil
	}
	spans := b.table("spans")
	q := "SELECT DISTINCT v FROM (SELECT attr_values[indexOf(attr_keys, ?)] AS v FROM " + spans + " WHERE has(attr_keys, ?)"
	args := []any{key, key}
	if col, ok := tagColumns[key]; ok {
		q += " UNION ALL SELECT toString(" + col + ") AS v FROM " + spans + " WHERE toString(" + col + ") NOT IN ('', '0')"
	}
	q += fmt.Sprintf(") WHERE v != '' ORDER BY v LIMIT %d", maxAutocompleteValues)
	return b.queryStrings(ctx, q, args...)
}
