package embedded

import (
	"context"
	"errors"
	"fmt"

	promstorage "github.com/prometheus/prometheus/storage"

	"github.com/meshlens/meshlens/storage"
)

// maxReportedRejects bounds how many rejected samples an error names.
const maxReportedRejects = 3

// AppendSamples implements storage.SampleWriter. Samples are committed to the
// TSDB head and its WAL in one transaction; samples the TSDB refuses are
// reported in a *storage.RejectedError after the rest is committed.
func (b *Backend) AppendSamples(ctx context.Context, samples []storage.Sample) error {
	app := b.db.Appender(ctx)
	var rej *storage.RejectedError
	for i := range samples {
		s := &samples[i]
		if _, err := app.Append(0, s.Labels, s.T, s.V); err != nil {
			if !isSampleReject(err) {
				_ = app.Rollback()
				return fmt.Errorf("embedded: appending %s@%d: %w", s.Labels, s.T, err)
			}
			if rej == nil {
				rej = &storage.RejectedError{Signal: "samples"}
			}
			rej.Rejected++
			if len(rej.Examples) < maxReportedRejects {
				rej.Examples = append(rej.Examples, fmt.Sprintf("%s@%d: %v", s.Labels, s.T, err))
			}
		}
	}
	if err := app.Commit(); err != nil {
		return fmt.Errorf("embedded: committing %d samples: %w", len(samples), err)
	}
	if rej != nil {
		return rej
	}
	return nil
}

func isSampleReject(err error) bool {
	return errors.Is(err, promstorage.ErrOutOfOrderSample) ||
		errors.Is(err, promstorage.ErrOutOfBounds) ||
		errors.Is(err, promstorage.ErrTooOldSample) ||
		errors.Is(err, promstorage.ErrDuplicateSampleForTimestamp)
}
