//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package tail

import (
	"errors"
	"os"
)

// errUnsupported is returned where files cannot be identified by device and
// inode.
var errUnsupported = errors.New("tail: file identity (device, inode) is not supported on this platform")

type fileID struct{ dev, ino uint64 }

func identify(os.FileInfo) (fileID, error) { return fileID{}, errUnsupported }

func lockFile(string) (*os.File, error) { return nil, errUnsupported }

func syncDir(string) error { return errUnsupported }
