package tail

import "sync/atomic"

// Stats counts what a Tailer has done since New; receivers export them as
// metrics.
type Stats struct {
	Files             int64 // files followed now
	Lines             int64 // lines delivered and committed
	Bytes             int64 // bytes of Text in those lines
	TruncatedLines    int64 // lines longer than MaxLineBytes
	Batches           int64 // batches committed
	Replayed          int64 // lines re-delivered at Start from the batch in flight at the last stop
	DeliverRetries    int64 // failed deliver calls (each retried)
	CheckpointRetries int64 // failed checkpoint writes (each retried)
	Truncations       int64 // files found truncated and read again from 0
	RotatedClosed     int64 // rotated-away files read to their end and closed
}

type atomicCounter = atomic.Int64

type counters struct {
	files, lines, bytes, truncatedLines, batches, replayed  atomicCounter
	deliverRetries, checkpointRetries, truncations, rotated atomicCounter
}

func (c *counters) add(lines []Line) {
	var n, truncated int64
	for _, l := range lines {
		n += int64(len(l.Text))
		if l.Truncated {
			truncated++
		}
	}
	c.lines.Add(int64(len(lines)))
	c.bytes.Add(n)
	c.truncatedLines.Add(truncated)
	c.batches.Add(1)
}

// Stats returns a snapshot of the counters; it is safe to call at any time.
func (t *Tailer) Stats() Stats {
	c := &t.stats
	return Stats{
		Files: c.files.Load(), Lines: c.lines.Load(), Bytes: c.bytes.Load(),
		TruncatedLines: c.truncatedLines.Load(), Batches: c.batches.Load(), Replayed: c.replayed.Load(),
		DeliverRetries: c.deliverRetries.Load(), CheckpointRetries: c.checkpointRetries.Load(),
		Truncations: c.truncations.Load(), RotatedClosed: c.rotated.Load(),
	}
}
