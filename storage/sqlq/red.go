package sqlq

import (
	"errors"
	"fmt"

	"github.com/meshlens/meshlens/storage"
)

// REDGrouping is one REDQuery.By of the access-log RED: its group columns,
// the reporter preferred per destination, its namespace condition and
// where each group column lands in the answer.
type REDGrouping struct {
	// By is "service" or "edge".
	By string
	// Columns are the group columns, comma-separated.
	Columns string
	// Preferred is the reporter whose records count per destination.
	Preferred string
	// namespace is the namespace condition with %[1]s for its parameter.
	namespace string
	// Dests are scan destinations into e, in the order of Columns.
	Dests func(e *storage.Edge) []any
}

// NamespaceCond is "AND <condition>" keeping records of the query's
// namespace, with param (a placeholder such as "?" or "$4") wherever the
// namespace goes.
func (g REDGrouping) NamespaceCond(param string) string {
	return "AND " + fmt.Sprintf(g.namespace, param)
}

var redGroupings = map[string]REDGrouping{
	// The server's view: what each service served, as its own proxy saw it.
	"service": {
		By:        "service",
		Columns:   "destination_service, destination_namespace",
		Preferred: "destination",
		namespace: "destination_namespace = %[1]s",
		Dests:     func(e *storage.Edge) []any { return []any{&e.DestinationService, &e.DestinationNamespace} },
	},
	// The caller's view: each edge as the calling proxy saw it, including
	// calls that never reached the destination (UH, UF, URX, ...).
	"edge": {
		By:        "edge",
		Columns:   "source_service, source_namespace, source_version, destination_service, destination_namespace, destination_version, protocol",
		Preferred: "source",
		namespace: "(source_namespace = %[1]s OR destination_namespace = %[1]s)",
		Dests: func(e *storage.Edge) []any {
			return []any{&e.SourceService, &e.SourceNamespace, &e.SourceVersion,
				&e.DestinationService, &e.DestinationNamespace, &e.DestinationVersion, &e.Protocol}
		},
	},
}

// REDGroupingOf checks q as storage.REDReader over access logs defines it
// (Source "" or "logs", else storage.ErrNotSupported; By "service", the
// default, or "edge"; Start before End) and returns its grouping.
func REDGroupingOf(q storage.REDQuery) (REDGrouping, error) {
	if q.Source != "" && q.Source != "logs" {
		return REDGrouping{}, fmt.Errorf("RED from %q: %w", q.Source, storage.ErrNotSupported)
	}
	by := q.By
	if by == "" {
		by = "service"
	}
	g, ok := redGroupings[by]
	if !ok {
		return REDGrouping{}, fmt.Errorf("RED by %q: want service or edge", q.By)
	}
	if q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start) {
		return REDGrouping{}, errors.New("RED needs a window with Start before End")
	}
	return g, nil
}

// FinishRED fills what follows from a scanned row's counts: Rate over the
// query's window, ErrorRatio, and Sources (access logs).
func FinishRED(row *storage.REDRow, q storage.REDQuery) {
	r := &row.RED
	r.Rate = float64(r.Requests) / q.End.Sub(q.Start).Seconds()
	r.ErrorRatio = float64(r.Errors) / float64(r.Requests)
	row.Sources = []string{"logs"}
}
