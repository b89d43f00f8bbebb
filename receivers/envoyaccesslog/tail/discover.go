package tail

import (
	"bytes"
	"crypto/rand"
	"os"
	"time"
)

// tracked is a file being followed. It is identified by device and inode,
// so a rename does not change it, and it is read through its open
// descriptor, so a rotated (renamed or deleted) file is read to its end.
type tracked struct {
	key    string // stable across restarts; names the file in the checkpoint
	id     fileID
	path   string // the name it was last matched under
	f      *os.File
	fp     fingerprint
	offset int64 // committed: every line before it was delivered
	rd     *lineReader

	seen    bool      // matched by Include in the latest scan
	size    int64     // at the latest scan
	grewAt  time.Time // when size last changed
	closing bool      // rotated away and idle: drain it to its end, then close
}

// lostFile is a file content that disappeared from its inode (truncated,
// or known to the checkpoint but not found): a file with the same
// fingerprint under another inode is its copy, to be read from offset on.
type lostFile struct {
	fp     fingerprint
	offset int64
	path   string
	at     time.Time
}

// candidate is a matched path whose inode is not followed yet.
type candidate struct {
	path string
	id   fileID
}

// scan matches Include/Exclude, starts following new files, detects
// truncation, and marks rotated files that went idle for closing. startup
// is true for the first scan of Start, which resumes from the checkpoint.
func (t *Tailer) scan(now time.Time, startup bool) {
	for _, f := range t.files {
		f.seen = false
	}
	var fresh []candidate
	claimed := make(map[fileID]bool)
	for _, p := range t.cfg.match() {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue // vanished since the glob, or not a log file
		}
		id, err := identify(fi)
		if err != nil {
			t.warnOnce(p, err)
			continue
		}
		if claimed[id] {
			continue // a second name (link) of a file already handled
		}
		claimed[id] = true
		if f := t.byID[id]; f != nil {
			f.seen, f.path = true, p
			continue
		}
		fresh = append(fresh, candidate{path: p, id: id})
	}
	for _, f := range t.files {
		t.check(f, now)
	}
	for _, c := range fresh {
		t.admit(c, now, startup)
	}
	t.prune(now, claimed)
	t.stats.files.Store(int64(len(t.files)))
}

// check detects truncation of f (copytruncate, or a rewrite in place) and
// whether a rotated-away f has been idle long enough to be closed.
func (t *Tailer) check(f *tracked, now time.Time) {
	fi, err := f.f.Stat()
	if err != nil {
		t.warnOnce(f.path, err)
		return
	}
	if size := fi.Size(); size != f.size {
		f.size, f.grewAt = size, now
	}
	prefix, err := readPrefix(f.f, t.scratch[:min(f.size, fingerprintBytes)])
	if err != nil {
		t.warnOnce(f.path, err)
		return
	}
	if f.size < f.rd.readEnd() || !f.fp.matches(prefix) {
		t.log.Info("tail: file truncated; reading it again from its start",
			"file", f.path, "size", f.size, "was_at", f.rd.readEnd())
		t.addLost(lostFile{fp: f.fp, offset: f.offset, path: f.path, at: now})
		f.fp, f.offset = newFingerprint(prefix), 0
		f.rd.reset(0)
		t.stats.truncations.Add(1)
		return
	}
	if len(prefix) > f.fp.n {
		f.fp = newFingerprint(prefix)
	}
	if !f.seen && !f.closing && now.Sub(f.grewAt) >= t.cfg.RotatedIdleTimeout {
		f.closing, f.rd.final = true, true
	}
}

// admit starts following the file at c, deciding where to start reading:
// where the checkpoint left it; where a lost file whose copy it is was left
// (copytruncate with the copy matched by Include); not yet, while it is a
// copy of a file still intact (the original is about to be truncated); at
// the end on a first start with StartAt "end"; else at its beginning.
func (t *Tailer) admit(c candidate, now time.Time, startup bool) {
	f, err := os.Open(c.path)
	if err != nil {
		t.warnOnce(c.path, err)
		return
	}
	fi, err := f.Stat()
	var id fileID
	if err == nil {
		id, err = identify(fi)
	}
	if err != nil || id != c.id {
		f.Close() // replaced between stat and open: the next scan sees it
		return
	}
	size := fi.Size()
	prefix, err := readPrefix(f, t.scratch[:min(size, fingerprintBytes)])
	if err != nil {
		f.Close()
		t.warnOnce(c.path, err)
		return
	}
	delete(t.warned, c.path)
	tr := &tracked{id: id, path: c.path, f: f, fp: newFingerprint(prefix), size: size, grewAt: now}
	if s, ok := t.saved[id]; ok {
		delete(t.saved, id)
		if s.fp.matches(prefix) && size >= s.Offset {
			tr.key, tr.offset = s.Key, s.Offset
		} else {
			t.addLost(lostFile{fp: s.fp, offset: s.Offset, path: s.Path, at: now})
		}
	}
	if tr.key == "" {
		switch l, orig := t.takeLost(prefix), t.original(prefix, id); {
		case l != nil:
			tr.offset = min(l.offset, size)
			t.log.Info("tail: file is a copy of a truncated one; reading it from where that one was left",
				"file", c.path, "copy_of", l.path, "offset", tr.offset)
		case orig != nil && t.deferCopy(id, now):
			f.Close()
			return
		case startup && t.firstRun && t.cfg.StartAt == StartAtEnd:
			if tr.offset, err = lastLineEnd(f, size); err != nil {
				f.Close()
				t.warnOnce(c.path, err)
				return
			}
		}
		tr.key = rand.Text()
	}
	tr.rd = newLineReader(f, t.cfg.MaxLineBytes, tr.offset)
	t.files = append(t.files, tr)
	t.byID[id] = tr
	t.byKey[tr.key] = tr
	t.log.Debug("tail: following file", "file", c.path, "offset", tr.offset)
}

// copyWait is how long a copy of a still intact file is left unread,
// waiting for the original to be truncated (logrotate's copytruncate copies,
// then truncates); after that it is taken as a file of its own.
func (t *Tailer) copyWait() time.Duration {
	return max(5*time.Second, 4*t.cfg.PollInterval)
}

func (t *Tailer) deferCopy(id fileID, now time.Time) bool {
	first, ok := t.deferred[id]
	if !ok {
		t.deferred[id] = now
		return true
	}
	return now.Sub(first) < t.copyWait()
}

// original returns a followed file (another inode) whose content prefix
// starts the file with the given prefix, or nil.
func (t *Tailer) original(prefix []byte, id fileID) *tracked {
	for _, f := range t.files {
		if f.id != id && f.fp.n >= minCopyFingerprint && f.fp.matches(prefix) {
			return f
		}
	}
	return nil
}

func (t *Tailer) addLost(l lostFile) {
	if l.fp.n >= minCopyFingerprint {
		t.lost = append(t.lost, l)
	}
}

// takeLost removes and returns the lost file that prefix is a copy of.
func (t *Tailer) takeLost(prefix []byte) *lostFile {
	for i, l := range t.lost {
		if l.fp.matches(prefix) {
			t.lost = append(t.lost[:i], t.lost[i+1:]...)
			return &l
		}
	}
	return nil
}

// prune forgets lost files and deferred copies that are too old to matter.
func (t *Tailer) prune(now time.Time, present map[fileID]bool) {
	keep := t.lost[:0]
	for _, l := range t.lost {
		if now.Sub(l.at) < 2*t.copyWait() {
			keep = append(keep, l)
		}
	}
	clear(t.lost[len(keep):])
	t.lost = keep
	for id := range t.deferred {
		if !present[id] {
			delete(t.deferred, id)
		}
	}
}

// closeFinished closes rotated files that were drained to their end.
func (t *Tailer) closeFinished() {
	keep := t.files[:0]
	for _, f := range t.files {
		if !f.closing {
			keep = append(keep, f)
			continue
		}
		t.log.Info("tail: finished rotated file", "file", f.path, "offset", f.offset)
		// Should it be matched again soon (renamed back), it resumes here.
		t.addLost(lostFile{fp: f.fp, offset: f.offset, path: f.path, at: time.Now()})
		f.rd.release()
		f.f.Close()
		delete(t.byID, f.id)
		delete(t.byKey, f.key)
		t.stats.rotated.Add(1)
		t.dirty = true
	}
	clear(t.files[len(keep):])
	t.files = keep
	t.stats.files.Store(int64(len(t.files)))
}

// lastLineEnd returns the offset just past the last newline among the last
// 64 KiB of f, so that starting "at the end" still delivers a line being
// written at that moment whole.
func lastLineEnd(f *os.File, size int64) (int64, error) {
	window := min(size, 64<<10)
	buf := make([]byte, window)
	if _, err := f.ReadAt(buf, size-window); err != nil {
		return 0, err
	}
	switch i := bytes.LastIndexByte(buf, '\n'); {
	case i >= 0:
		return size - window + int64(i) + 1, nil
	case window == size:
		return 0, nil
	default:
		return size, nil
	}
}

func (t *Tailer) warnOnce(path string, err error) {
	if t.warned[path] != err.Error() {
		t.warned[path] = err.Error()
		t.log.Warn("tail: cannot follow file", "file", path, "err", err)
	}
}
