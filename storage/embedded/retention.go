package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// startRetention runs the retention pass now and then every interval until
// stopRetention is called. Failures are logged and retried next time.
func (s *duckStore) startRetention(interval time.Duration, logger *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopRetention = cancel
	s.retentionDone = make(chan struct{})
	go func() {
		defer close(s.retentionDone)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if err := s.enforceRetention(ctx, s.now()); err != nil && ctx.Err() == nil {
				logger.Warn("access-log and span retention failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// enforceRetention drops every access-log and span day table whose whole day is
// older than now−retention and deletes older dead letters. It holds the
// writer lock, so writes wait for it (dropping a table is quick).
func (s *duckStore) enforceRetention(ctx context.Context, now time.Time) error {
	cutoff := now.Add(-s.retention)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for _, p := range partitionedSignals {
		var expired []time.Time
		for day := range s.daysOf(p) {
			if !day.Add(24 * time.Hour).After(cutoff) {
				expired = append(expired, day)
			}
		}
		if err := s.dropDays(ctx, p, expired); err != nil {
			return err
		}
	}
	err := s.tx(ctx, func(c rawConn) error { return c.exec(ctx, "DELETE FROM dead_letters WHERE received < $1", cutoff) })
	if err != nil {
		return fmt.Errorf("embedded: deleting expired dead_letters: %w", err)
	}
	return s.expireRollups(ctx, now)
}
