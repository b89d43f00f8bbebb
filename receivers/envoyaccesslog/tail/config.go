package tail

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Defaults applied to zero Config fields.
const (
	DefaultPollInterval       = 250 * time.Millisecond
	DefaultMaxLineBytes       = 1 << 20
	DefaultBatchBytes         = 1 << 20
	DefaultRetryInitial       = 100 * time.Millisecond
	DefaultRetryMax           = 30 * time.Second
	DefaultRotatedIdleTimeout = 10 * time.Second
)

// StartAt values.
const (
	StartAtEnd       = "end"
	StartAtBeginning = "beginning"
)

// Config says which files to follow and how. It is plain data: zero fields
// take the defaults above, and Validate reports the first bad field by name.
type Config struct {
	// Include lists filepath.Glob patterns ("**" is not supported). A file
	// is followed while some pattern matches one of its names.
	Include []string
	// Exclude removes matches of Include. A pattern with no path separator
	// is matched against the base name too, so "*.gz" excludes compressed
	// rotations anywhere.
	Exclude []string
	// PollInterval is how often the globs are re-evaluated and the files
	// checked for new data, rotation and truncation.
	PollInterval time.Duration
	// MaxLineBytes caps a line. A longer line is delivered once, with its
	// first MaxLineBytes bytes and Truncated set, so the caller can
	// dead-letter it; the rest of it is skipped without being buffered.
	MaxLineBytes int
	// StartAt is where files found at the very first start (no checkpoint
	// yet) are read from: "end" (the default, as tail -f: only lines
	// completed after the start) or "beginning". Files that appear later,
	// and every file after a restart, are read from where the checkpoint
	// says, or from their beginning when the checkpoint does not know them.
	StartAt string
	// BatchBytes is the soft cap on the text of one delivered batch (a
	// batch always holds at least one line).
	BatchBytes int
	// RetryInitial and RetryMax bound the exponential backoff between
	// attempts to deliver the same batch (or to write the checkpoint).
	RetryInitial time.Duration
	RetryMax     time.Duration
	// RotatedIdleTimeout is how long a file that no longer matches Include
	// (renamed or deleted by rotation) is kept open after it stopped
	// growing. Writers such as Envoy keep appending to a renamed log until
	// they reopen it, so its end is read before it is closed.
	RotatedIdleTimeout time.Duration
}

// Validate checks c, naming the offending field.
func (c Config) Validate() error {
	if len(c.Include) == 0 {
		return errors.New("tail: include: at least one glob is required")
	}
	for _, list := range []struct {
		name     string
		patterns []string
	}{{"include", c.Include}, {"exclude", c.Exclude}} {
		for i, p := range list.patterns {
			if p == "" {
				return fmt.Errorf("tail: %s[%d]: empty pattern", list.name, i)
			}
			if _, err := filepath.Match(p, ""); err != nil {
				return fmt.Errorf("tail: %s[%d] %q: %w", list.name, i, p, err)
			}
		}
	}
	switch c.StartAt {
	case "", StartAtEnd, StartAtBeginning:
	default:
		return fmt.Errorf("tail: start_at %q: want %q or %q", c.StartAt, StartAtEnd, StartAtBeginning)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"poll_interval", c.PollInterval},
		{"retry_initial", c.RetryInitial},
		{"retry_max", c.RetryMax},
		{"rotated_idle_timeout", c.RotatedIdleTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("tail: %s %s: must not be negative", d.name, d.v)
		}
	}
	if c.MaxLineBytes < 0 {
		return fmt.Errorf("tail: max_line_bytes %d: must not be negative", c.MaxLineBytes)
	}
	if c.BatchBytes < 0 {
		return fmt.Errorf("tail: batch_bytes %d: must not be negative", c.BatchBytes)
	}
	if c.RetryInitial > 0 && c.RetryMax > 0 && c.RetryMax < c.RetryInitial {
		return fmt.Errorf("tail: retry_max %s: less than retry_initial %s", c.RetryMax, c.RetryInitial)
	}
	return nil
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	setDefault(&c.PollInterval, DefaultPollInterval)
	setDefault(&c.MaxLineBytes, DefaultMaxLineBytes)
	setDefault(&c.BatchBytes, DefaultBatchBytes)
	setDefault(&c.RetryInitial, DefaultRetryInitial)
	setDefault(&c.RetryMax, max(DefaultRetryMax, c.RetryInitial))
	setDefault(&c.RotatedIdleTimeout, DefaultRotatedIdleTimeout)
	setDefault(&c.StartAt, StartAtEnd)
	return c
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// match returns the paths matched by Include and not by Exclude, each once,
// in Include order.
func (c Config) match() []string {
	var out []string
	seen := make(map[string]bool)
	for _, g := range c.Include {
		paths, _ := filepath.Glob(g) // patterns were validated
		for _, p := range paths {
			if !seen[p] && !c.excluded(p) {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func (c Config) excluded(path string) bool {
	for _, x := range c.Exclude {
		if ok, _ := filepath.Match(x, path); ok {
			return true
		}
		if !strings.ContainsRune(x, filepath.Separator) {
			if ok, _ := filepath.Match(x, filepath.Base(path)); ok {
				return true
			}
		}
	}
	return false
}
