// Package tail follows log files (as tail -F does) and delivers their lines
// exactly once across restarts.
//
// # Following
//
// Files are matched by globs every poll and identified by device and inode,
// not by name, with a fingerprint (SHA-256 of the first KiB) that tells
// whether the inode still holds the same data. So:
//
//   - rename rotation: the renamed file is the same file; it is read to its
//     end through the open descriptor (even when it no longer matches, or is
//     deleted), and closed once it has been idle for RotatedIdleTimeout. The
//     new file under the old name is a new file, read from its start.
//   - copytruncate: a file shorter than what was read, or whose first bytes
//     changed, was truncated; it is read again from 0. If Include also
//     matches the rotated copy, the copy is recognised by its fingerprint
//     and read from where the original was left, so the lines written just
//     before the truncation are not lost (otherwise they are: that is
//     copytruncate's own window).
//   - a partial last line is not delivered until its newline arrives; only a
//     rotated file being closed delivers its unterminated tail.
//   - a line longer than MaxLineBytes is delivered once, truncated, with
//     Line.Truncated set, and the rest of it is skipped without buffering.
//   - any bytes are a line: a bad line never stops the tailer.
//
// # Exactly once
//
// A batch is checkpointed only after deliver returned nil for it, and the
// checkpoint (a small JSON file written atomically: temp file, fsync,
// rename, fsync of the directory) is written before every delivery. Each
// write records two things: the committed offset of every file (every line
// before it was delivered), and the exact extent of the batch about to be
// delivered (for each file, [start, end) and the name its lines carry).
// Committing batch n and announcing batch n+1 is one atomic write.
//
// A crash therefore leaves one of three states: before the write that
// announces batch n (the checkpoint names batch n-1, already delivered);
// during deliver of batch n (downstream may hold none, part or all of it);
// or after deliver returned nil and before the next write (downstream holds
// batch n, the checkpoint still announces it). That last one is the window
// between the downstream commit and the checkpoint write. In all three, the
// next Start first delivers the announced batch again, byte for byte: the
// same lines of the same inodes, in the same order, with the same File,
// Offset, End and Text, cut at the recorded ends and not at wherever the
// files have grown to. No other line is delivered twice, and no line is
// skipped, because offsets only advance past batches deliver acknowledged.
//
// The window is closed by the storage contract (package storage): a writer
// must tolerate an exact replay of a batch, leaving the stored data
// unchanged, since callers already retry whole batches after errors. The
// tailer guarantees the replay is exact; deliver must keep it recognisable,
// that is, turn the same lines into the same rows (key them by File and
// Offset, not by the wall clock). The window itself is one checkpoint write
// wide, and it can hold at most one batch (BatchBytes).
//
// A replay cannot be exact when the file was truncated or removed while the
// tailer was stopped (those lines are gone; this is logged), or when
// MaxLineBytes changed between runs. A file rotated out of Include while
// the tailer was stopped is not read further: use globs that match rotated
// names (and Exclude compressed ones) to keep reading them.
package tail
