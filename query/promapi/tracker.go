package promapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/prometheus/promql"
)

// newQueryTracker returns the engine's concurrency limit: Prometheus'
// file-backed active query log when a directory is configured, an
// in-memory limiter otherwise.
func newQueryTracker(opts Options, logger *slog.Logger) (promql.QueryTracker, error) {
	if opts.ActiveQueryLogDir == "" {
		return newQueryLimiter(opts.MaxConcurrency), nil
	}
	t, err := promql.NewActiveQueryTracker(opts.ActiveQueryLogDir, opts.MaxConcurrency, logger)
	if err != nil {
		return nil, fmt.Errorf("active query log in %s: %w", opts.ActiveQueryLogDir, err)
	}
	return t, nil
}

// queryLimiter is a promql.QueryTracker that only limits concurrency:
// Insert takes one of max slots, waiting for one until ctx is done.
type queryLimiter struct {
	free chan int
}

func newQueryLimiter(maxConcurrent int) *queryLimiter {
	l := &queryLimiter{free: make(chan int, maxConcurrent)}
	for i := range maxConcurrent {
		l.free <- i
	}
	return l
}

func (l *queryLimiter) GetMaxConcurrent() int { return cap(l.free) }

// Insert returns a slot, or the engine's timeout or cancellation error
// (not the bare context error) so that the API reports a query that
// waited too long as a timeout.
func (l *queryLimiter) Insert(ctx context.Context, _ string) (int, error) {
	// A done context wins over a free slot, deterministically.
	if err := ctx.Err(); err != nil {
		return 0, queueError(err)
	}
	select {
	case i := <-l.free:
		return i, nil
	case <-ctx.Done():
		return 0, queueError(ctx.Err())
	}
}

func (l *queryLimiter) Delete(i int) { l.free <- i }

func (*queryLimiter) Close() error { return nil }

func queueError(err error) error {
	const env = "query queue"
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return promql.ErrQueryTimeout(env)
	case errors.Is(err, context.Canceled):
		return promql.ErrQueryCanceled(env)
	}
	return err
}
