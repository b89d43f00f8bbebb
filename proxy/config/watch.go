package config

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Source says where the proxy's configuration lives.
type Source struct {
	RegistryFile string // required
	IstioDir     string // optional; "" means no Istio rules
}

// Snapshot is one consistent, validated view of the configuration. It is
// immutable once published.
type Snapshot struct {
	Version  int64 // increases by one per applied change
	LoadedAt time.Time
	Registry *Registry
	Istio    *IstioConfig
}

// Load reads and validates everything Source names.
func Load(src Source) (*Snapshot, error) {
	if src.RegistryFile == "" {
		return nil, errors.New("registry file: required")
	}
	reg, err := LoadRegistry(src.RegistryFile)
	if err != nil {
		return nil, err
	}
	ic, err := LoadIstioDir(src.IstioDir)
	if err != nil {
		return nil, err
	}
	return &Snapshot{LoadedAt: time.Now(), Registry: reg, Istio: ic}, nil
}

// ApplyFunc installs a new snapshot. An error rejects the snapshot; the
// previously applied one stays in force.
type ApplyFunc func(*Snapshot) error

// Watcher reloads a Source whenever its files change (fsnotify, with a
// periodic content check as a fallback for file systems without events)
// and hands every valid change to an ApplyFunc. An invalid change is
// logged and remembered in LastError; the last good config keeps serving.
type Watcher struct {
	src   Source
	apply ApplyFunc
	log   *slog.Logger
	poll  time.Duration

	mu       sync.Mutex
	current  *Snapshot
	lastErr  error
	lastSeen [32]byte
	attempts int64
}

// NewWatcher loads the Source once and applies it; a failure here is fatal
// (there is no last good config yet). poll is the fallback check period
// (<=0 means 2s).
func NewWatcher(src Source, apply ApplyFunc, log *slog.Logger, poll time.Duration) (*Watcher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if poll <= 0 {
		poll = 2 * time.Second
	}
	w := &Watcher{src: src, apply: apply, log: log, poll: poll}
	fp, err := w.fingerprint()
	if err != nil {
		return nil, err
	}
	snap, err := Load(src)
	if err != nil {
		return nil, err
	}
	snap.Version = 1
	if err := apply(snap); err != nil {
		return nil, err
	}
	w.current, w.lastSeen = snap, fp
	return w, nil
}

// Current returns the snapshot in force.
func (w *Watcher) Current() *Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.current
}

// LastError is the error of the most recent reload attempt, nil when it
// succeeded.
func (w *Watcher) LastError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

// Attempts counts reloads tried after the initial load (successful or not).
func (w *Watcher) Attempts() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts
}

// Run watches until ctx is done.
func (w *Watcher) Run(ctx context.Context) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		w.log.Warn("config watch: fsnotify unavailable, polling only", "err", err)
	} else {
		defer fw.Close()
		dirs := map[string]bool{filepath.Dir(w.src.RegistryFile): true}
		if w.src.IstioDir != "" {
			dirs[w.src.IstioDir] = true
		}
		for d := range dirs {
			if err := fw.Add(d); err != nil {
				w.log.Warn("config watch: cannot watch directory, polling only", "dir", d, "err", err)
			}
		}
	}
	var events <-chan fsnotify.Event
	var errs <-chan error
	if fw != nil {
		events, errs = fw.Events, fw.Errors
	}
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	// Editors write files in several steps; coalesce bursts of events.
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-events:
			if debounce == nil {
				debounce = time.After(25 * time.Millisecond)
			}
		case err := <-errs:
			w.log.Warn("config watch", "err", err)
		case <-debounce:
			debounce = nil
			w.Check()
		case <-tick.C:
			w.Check()
		}
	}
}

// Check reloads now if any file's content changed since the last attempt.
func (w *Watcher) Check() {
	fp, err := w.fingerprint()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil && fp == w.lastSeen {
		return
	}
	w.lastSeen = fp
	w.attempts++
	if err == nil {
		var snap *Snapshot
		snap, err = Load(w.src)
		if err == nil {
			snap.Version = w.current.Version + 1
			err = w.apply(snap)
			if err == nil {
				w.current = snap
			}
		}
	}
	w.lastErr = err
	if err != nil {
		w.log.Error("config rejected; keeping the last good config", "version", w.current.Version, "err", err)
		return
	}
	w.log.Info("config applied", "version", w.current.Version)
}

// fingerprint hashes the names and contents of every file Load reads.
func (w *Watcher) fingerprint() ([32]byte, error) {
	h := sha256.New()
	files := []string{w.src.RegistryFile}
	if w.src.IstioDir != "" {
		ents, err := os.ReadDir(w.src.IstioDir)
		if err != nil {
			return [32]byte{}, fmt.Errorf("istio config: %w", err)
		}
		for _, e := range ents {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(w.src.IstioDir, e.Name()))
			}
		}
	}
	sort.Strings(files[1:])
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return [32]byte{}, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, nil
}
