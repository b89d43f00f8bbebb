package tail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Tailer follows the files matched by a Config and hands their lines, in
// batches, to a deliver function, exactly once across restarts (see the
// package documentation for the argument and its conditions).
type Tailer struct {
	cfg     Config
	ckPath  string
	deliver func(context.Context, []Line) error
	log     *slog.Logger

	// Owned by the run goroutine once Start returns.
	files       []*tracked
	byID        map[fileID]*tracked
	byKey       map[string]*tracked
	saved       map[fileID]restored // checkpoint entries, during Start only
	lost        []lostFile
	deferred    map[fileID]time.Time
	warned      map[string]string
	firstRun    bool   // there was no checkpoint
	pending     []span // batch to replay first
	rr          int    // file that starts the next batch, for fairness
	lines       []Line
	spans       []span
	dirty       bool // committed offsets not yet in the checkpoint
	uncommitted bool // the checkpoint announces a batch not yet delivered
	scratch     [fingerprintBytes]byte

	lock       interface{ Close() error }
	stop       chan struct{}
	done       chan struct{}
	hardCtx    context.Context // canceled only when Shutdown's ctx expires
	hardCancel context.CancelFunc

	mu       sync.Mutex
	started  bool
	shutdown bool
	shutErr  error

	stats counters
}

// restored is a checkpoint entry waiting to be matched to a file at Start.
type restored struct {
	savedFile
	fp fingerprint
}

// New returns a Tailer that reads the files cfg matches and calls deliver
// with batches of complete lines, in file order within each file.
//
// deliver's contract: a nil error means the lines are durable downstream;
// the tailer then never delivers them again, except as an exact replay of
// the whole batch after a crash (see the package documentation). An error
// makes the tailer deliver the same batch again, with backoff, until it
// succeeds or the tailer is shut down; so deliver must tolerate an exact
// replay of a batch it partly wrote. deliver must not keep Line.Text after
// it returns, and must return promptly once its ctx is canceled.
//
// checkpointPath is a file the tailer owns (with checkpointPath+".tmp" and
// checkpointPath+".lock"); its directory must exist. A nil logger discards.
func New(cfg Config, checkpointPath string, deliver func(ctx context.Context, lines []Line) error, logger *slog.Logger) (*Tailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if checkpointPath == "" {
		return nil, errors.New("tail: checkpoint path is required")
	}
	if deliver == nil {
		return nil, errors.New("tail: deliver function is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hardCtx, hardCancel := context.WithCancel(context.Background())
	return &Tailer{
		cfg:        cfg.withDefaults(),
		ckPath:     checkpointPath,
		deliver:    deliver,
		log:        logger,
		byID:       make(map[fileID]*tracked),
		byKey:      make(map[string]*tracked),
		deferred:   make(map[fileID]time.Time),
		warned:     make(map[string]string),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		hardCtx:    hardCtx,
		hardCancel: hardCancel,
	}, nil
}

// Start locks and loads the checkpoint, finds the files to follow and
// decides where each is read from (so that a line appended after Start
// returns is delivered even with StartAt "end"), persists that, and starts
// following in the background. It first re-delivers the batch that was in
// flight when the previous run stopped, if any. ctx bounds Start only.
func (t *Tailer) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started || t.shutdown {
		return errors.New("tail: Start called twice or after Shutdown")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("tail: start: %w", err)
	}
	lock, err := lockFile(t.ckPath + ".lock")
	if err != nil {
		return fmt.Errorf("tail: checkpoint lock: %w", err)
	}
	t.lock = lock
	cp, err := loadCheckpoint(t.ckPath)
	if err == nil {
		err = t.restore(cp)
	}
	if err == nil {
		t.scan(time.Now(), true)
		t.forgetUnmatched()
		err = t.save(t.pending)
	}
	if err != nil {
		t.closeFiles()
		return err
	}
	t.started = true
	go t.run()
	return nil
}

// Shutdown stops following. A batch being delivered is finished (deliver's
// ctx stays live) and committed, so nothing is left to replay; if ctx
// expires first, deliver's ctx is canceled and the batch is replayed at the
// next Start. Shutdown waits for the background work to end, then releases
// the files and the checkpoint lock. It may be called more than once.
func (t *Tailer) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shutdown {
		return t.shutErr
	}
	t.shutdown = true
	if !t.started {
		t.hardCancel()
		return nil
	}
	close(t.stop)
	select {
	case <-t.done:
	case <-ctx.Done():
		t.hardCancel()
		<-t.done
		t.shutErr = fmt.Errorf("tail: shutdown: in-flight batch abandoned, it will be replayed: %w", ctx.Err())
	}
	t.hardCancel()
	t.closeFiles()
	return t.shutErr
}

// restore loads the checkpoint's entries for the first scan to match.
func (t *Tailer) restore(cp *checkpoint) error {
	t.firstRun = cp == nil
	if cp == nil {
		return nil
	}
	t.saved = make(map[fileID]restored, len(cp.Files))
	for _, s := range cp.Files {
		fp, err := parseFingerprint(s.FPLen, s.FP)
		if err != nil {
			return fmt.Errorf("tail: checkpoint %s: file %s: %w", t.ckPath, s.Path, err)
		}
		t.saved[fileID{dev: s.Dev, ino: s.Ino}] = restored{savedFile: s, fp: fp}
	}
	t.pending = cp.Pending
	return nil
}

// forgetUnmatched turns checkpoint entries that no matched file resumed
// into lost files: a copy of them found later is read from their offset.
func (t *Tailer) forgetUnmatched() {
	for _, s := range t.saved {
		t.log.Info("tail: file in checkpoint no longer matched; forgetting it", "file", s.Path, "offset", s.Offset)
		t.addLost(lostFile{fp: s.fp, offset: s.Offset, path: s.Path, at: time.Now()})
	}
	t.saved = nil
}

// run is the background loop: replay, then scan and drain every poll.
func (t *Tailer) run() {
	defer close(t.done)
	defer t.finish()
	if len(t.pending) > 0 && !t.replay() {
		return
	}
	timer := time.NewTimer(t.cfg.PollInterval)
	defer timer.Stop()
	for {
		t.scan(time.Now(), false)
		if !t.drain() {
			return
		}
		t.closeFinished()
		if t.dirty {
			if err := t.save(nil); err != nil {
				t.log.Warn("tail: writing checkpoint failed; will retry", "err", err)
			}
		}
		timer.Reset(t.cfg.PollInterval)
		select {
		case <-t.stop:
			return
		case <-timer.C:
		}
	}
}

// finish persists the committed offsets when the loop stops, unless a
// batch is still in flight: then the checkpoint already names it for replay.
func (t *Tailer) finish() {
	if t.dirty && !t.uncommitted {
		if err := t.save(nil); err != nil {
			t.log.Error("tail: final checkpoint failed; the last batch will be replayed at the next start", "err", err)
		}
	}
}

// drain delivers batches until no file has a complete line; false means
// the tailer is stopping.
func (t *Tailer) drain() bool {
	for {
		select {
		case <-t.stop:
			return false
		default:
		}
		t.plan()
		if len(t.lines) == 0 {
			return true
		}
		// One atomic write commits the previous batch and announces this one.
		if !t.retry("writing checkpoint", &t.stats.checkpointRetries, func(context.Context) error { return t.save(t.spans) }) {
			return false
		}
		if !t.send() {
			return false
		}
	}
}

// send delivers the planned batch until it succeeds, then commits it.
func (t *Tailer) send() bool {
	t.uncommitted = true
	if !t.retry("delivering batch", &t.stats.deliverRetries, func(ctx context.Context) error { return t.deliver(ctx, t.lines) }) {
		return false
	}
	for _, s := range t.spans {
		if f := t.byKey[s.Key]; f != nil {
			f.offset = s.End
			f.rd.release()
		}
	}
	t.stats.add(t.lines)
	t.uncommitted, t.dirty = false, true
	return true
}

// plan fills t.lines and t.spans with the next batch, taking files in
// turn from a rotating start so that a busy file cannot starve the others.
func (t *Tailer) plan() {
	t.lines, t.spans = t.lines[:0], t.spans[:0]
	size, n := 0, len(t.files)
	for k := 0; k < n && size < t.cfg.BatchBytes; k++ {
		f := t.files[(t.rr+k)%n]
		start := f.rd.pos
		for size < t.cfg.BatchBytes {
			line, ok, err := f.rd.next()
			if err != nil {
				t.warnOnce(f.path, err)
			}
			if !ok {
				break
			}
			line.File = f.path
			t.lines = append(t.lines, line)
			size += len(line.Text) + 1
		}
		if f.rd.pos > start {
			t.spans = append(t.spans, span{Key: f.key, Path: f.path, Start: start, End: f.rd.pos})
		}
	}
	t.rr = (t.rr + 1) % max(n, 1)
}

// replay delivers the checkpoint's pending batch again, byte for byte: the
// same ranges of the same inodes, in the same order, under the same names.
func (t *Tailer) replay() bool {
	t.lines, t.spans = t.lines[:0], t.spans[:0]
	for _, s := range t.pending {
		f := t.byKey[s.Key]
		if f == nil {
			t.log.Warn("tail: cannot replay the batch in flight at the last stop: file gone or rewritten",
				"file", s.Path, "start", s.Start, "end", s.End)
			continue
		}
		f.rd.reset(s.Start)
		f.rd.limit = s.End
		for {
			line, ok, err := f.rd.next()
			if err != nil {
				t.warnOnce(f.path, err)
			}
			if !ok {
				break
			}
			line.File = s.Path
			t.lines = append(t.lines, line)
		}
		f.rd.limit = -1
		if f.rd.pos != s.End {
			t.log.Warn("tail: replayed only part of the batch in flight at the last stop",
				"file", s.Path, "start", s.Start, "end", s.End, "replayed_to", f.rd.pos)
		}
		t.spans = append(t.spans, span{Key: s.Key, Path: s.Path, Start: s.Start, End: f.rd.pos})
	}
	t.pending = nil
	if len(t.lines) == 0 {
		return true
	}
	t.stats.replayed.Add(int64(len(t.lines)))
	return t.send()
}

// retry runs fn until it succeeds, with exponential backoff; false means
// the tailer is stopping and fn never succeeded.
func (t *Tailer) retry(what string, failures *atomicCounter, fn func(context.Context) error) bool {
	wait := t.cfg.RetryInitial
	for attempt := 1; ; attempt++ {
		err := fn(t.hardCtx)
		if err == nil {
			if attempt > 1 {
				t.log.Info("tail: "+what+" succeeded after retries", "attempts", attempt)
			}
			return true
		}
		failures.Add(1)
		t.log.Warn("tail: "+what+" failed; retrying the same batch", "attempt", attempt, "backoff", wait, "err", err)
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-t.stop:
			timer.Stop()
			return false
		case <-t.hardCtx.Done():
			timer.Stop()
			return false
		}
		wait = min(2*wait, t.cfg.RetryMax)
	}
}

// save writes the committed offsets of every followed file and the batch
// about to be delivered (nil when none).
func (t *Tailer) save(pending []span) error {
	cp := checkpoint{Version: checkpointVersion, Files: make([]savedFile, 0, len(t.files)), Pending: pending}
	for _, f := range t.files {
		cp.Files = append(cp.Files, savedFile{
			Key: f.key, Path: f.path, Dev: f.id.dev, Ino: f.id.ino,
			FPLen: f.fp.n, FP: f.fp.String(), Offset: f.offset,
		})
	}
	if err := cp.save(t.ckPath); err != nil {
		return fmt.Errorf("tail: %w", err)
	}
	t.dirty = false
	return nil
}

func (t *Tailer) closeFiles() {
	for _, f := range t.files {
		f.f.Close()
	}
	t.files = nil
	clear(t.byID)
	clear(t.byKey)
	if t.lock != nil {
		t.lock.Close()
		t.lock = nil
	}
}
