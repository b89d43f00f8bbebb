package scrape

import (
	"bytes"
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Timestamp alignment, as Prometheus' AlignScrapeTimestamps: a scrape that
// starts within this tolerance (at most 1% of the interval) of its slot is
// stamped with the slot's time, which keeps TSDB chunks compact.
const scrapeTimestampTolerance = 2 * time.Millisecond

// loop scrapes one target at its interval until its context ends.
type loop struct {
	target  *target
	fetcher *fetcher
	conv    *converter
	consume func(context.Context, pmetric.Metrics) error
	logger  *slog.Logger
	seed    uint64
	buf     bytes.Buffer
	lastErr string
}

// run waits for the target's offset, then scrapes every interval, as
// Prometheus' scrapeLoop.run. It returns when ctx ends, without writing
// end-of-run staleness markers (shutdown is not a target going away).
func (l *loop) run(ctx context.Context) {
	interval := l.target.interval
	wait := time.NewTimer(l.target.offset(time.Now(), l.seed))
	select {
	case <-ctx.Done():
		wait.Stop()
		return
	case <-wait.C:
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	aligned := time.Now().Round(0)
	tolerance := min(interval/100, scrapeTimestampTolerance)
	for {
		scrapeTime := time.Now().Round(0)
		for scrapeTime.Sub(aligned) >= interval {
			aligned = aligned.Add(interval)
		}
		if scrapeTime.Sub(aligned) <= tolerance {
			scrapeTime = aligned
		}
		l.scrapeAndReport(ctx, scrapeTime)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// scrapeAndReport fetches the target within its timeout, converts what it
// got (or the failure) and hands the pdata to the consumer.
func (l *loop) scrapeAndReport(ctx context.Context, appendTime time.Time) {
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, l.target.timeout)
	contentType, err := l.fetcher.fetch(sctx, &l.buf)
	cancel()
	if ctx.Err() != nil {
		return // Shutting down: the failure is ours, not the target's.
	}
	md, out := l.conv.convert(l.buf.Bytes(), contentType, err, appendTime, func() time.Duration { return time.Since(start) })
	l.logOutcome(out)
	if err := l.consume(ctx, md); err != nil {
		l.logger.Warn("Passing scraped metrics on failed", "err", err)
	}
}

// logOutcome logs a failure at Warn when it is new or different, at Debug
// while it repeats, and a recovery at Info, so a dead target does not flood
// the log.
func (l *loop) logOutcome(out outcome) {
	if out.err == nil {
		if l.lastErr != "" {
			l.logger.Info("Scrape target recovered")
		}
		l.lastErr = ""
		return
	}
	msg := out.err.Error()
	if msg != l.lastErr {
		l.logger.Warn("Scrape failed", "err", msg)
	} else {
		l.logger.Debug("Scrape failed", "err", msg)
	}
	l.lastErr = msg
}
