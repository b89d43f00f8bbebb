package tail

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkpointVersion is bumped when the file's meaning changes.
const checkpointVersion = 1

// checkpoint is the tailer's durable state: where each known file has been
// delivered up to, and the batch being delivered when it was written.
type checkpoint struct {
	Version int         `json:"version"`
	Files   []savedFile `json:"files"`
	// Pending is the batch that was about to be delivered: its lines are
	// not known to be durable downstream, so a restart delivers exactly
	// these ranges again, in this order, before anything else.
	Pending []span `json:"pending,omitempty"`
}

// savedFile is one followed file: committed offset plus identity.
type savedFile struct {
	Key    string `json:"key"`
	Path   string `json:"path"`
	Dev    uint64 `json:"dev"`
	Ino    uint64 `json:"ino"`
	FPLen  int    `json:"fp_len"`
	FP     string `json:"fp"`
	Offset int64  `json:"offset"`
}

// span is the part [Start, End) of the file Key that a batch holds; Path is
// the name its lines carried.
type span struct {
	Key   string `json:"key"`
	Path  string `json:"path"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
}

// loadCheckpoint reads path; a missing file gives (nil, nil): first start.
func loadCheckpoint(path string) (*checkpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tail: reading checkpoint: %w", err)
	}
	var cp checkpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("tail: checkpoint %s is corrupt (remove it to start over): %w", path, err)
	}
	if cp.Version != checkpointVersion {
		return nil, fmt.Errorf("tail: checkpoint %s has version %d, want %d", path, cp.Version, checkpointVersion)
	}
	return &cp, nil
}

// save writes cp to path so that a crash at any moment leaves either the
// old or the new checkpoint, complete: write a temporary file, fsync it,
// rename it over path, fsync the directory.
func (cp *checkpoint) save(path string) error {
	data, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("writing checkpoint %s: %w", path, err)
	}
	return nil
}
