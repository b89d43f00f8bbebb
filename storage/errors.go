package storage

import "fmt"

// RejectedError reports rows that a writer refused as invalid for that
// backend (for samples: out of order, too old, or a duplicate timestamp with
// another value). The rest of the batch was stored. Retrying cannot help, so
// pipelines treat it as a permanent error.
type RejectedError struct {
	Signal   string // "samples", "access_logs", "spans"
	Rejected int
	Examples []string // a few rejected rows with their reason
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%d %s rejected, e.g. %v", e.Rejected, e.Signal, e.Examples)
}
