// Package ack is the request/acknowledge handshake of the telemetry
// outputs' background goroutines (flush now and tell me how it went).
package ack

import "context"

// Request hands the goroutine serving reqC a fresh reply channel and waits
// for its answer. It returns nil at once when done is closed (the
// goroutine has exited: nothing is left to flush), and ctx's error when
// ctx ends first.
func Request(ctx context.Context, reqC chan<- chan error, done <-chan struct{}) error {
	reply := make(chan error, 1)
	select {
	case reqC <- reply:
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
