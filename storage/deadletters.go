package storage

import (
	"context"
	"time"
)

// MaxDeadLetterRaw is how many leading bytes of DeadLetter.Raw every backend
// keeps; the rest is dropped, and DeadLetter.Size keeps the original length.
const MaxDeadLetterRaw = 64 << 10

// DeadLetterReader reads stored dead letters received in [start, end),
// newest first, at most limit (a backend default applies when limit <= 0).
// It is an optional ability, for operators and the conformance suite.
type DeadLetterReader interface {
	DeadLetters(ctx context.Context, start, end time.Time, limit int) ([]DeadLetter, error)
}
