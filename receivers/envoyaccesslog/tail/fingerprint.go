package tail

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// fingerprintBytes is how much of a file's beginning identifies its
// content. Device and inode say which file it is; the fingerprint says
// whether it still holds the same data (inodes are reused, copytruncate
// rewrites a file in place) and recognises a copy of it under another inode.
const fingerprintBytes = 1024

// minCopyFingerprint is the shortest fingerprint trusted to say that a new
// file is a copy of a known one: shorter prefixes (a timestamp or less) are
// too likely to be shared by chance.
const minCopyFingerprint = 64

// fingerprint is the SHA-256 of a file's first n bytes. It grows with the
// file until n reaches fingerprintBytes.
type fingerprint struct {
	n   int
	sum [sha256.Size]byte
}

func newFingerprint(prefix []byte) fingerprint {
	prefix = prefix[:min(len(prefix), fingerprintBytes)]
	return fingerprint{n: len(prefix), sum: sha256.Sum256(prefix)}
}

// matches reports whether prefix (a file's first bytes) starts with the
// fingerprinted bytes.
func (fp fingerprint) matches(prefix []byte) bool {
	return len(prefix) >= fp.n && sha256.Sum256(prefix[:fp.n]) == fp.sum
}

func (fp fingerprint) String() string { return hex.EncodeToString(fp.sum[:]) }

func parseFingerprint(n int, s string) (fingerprint, error) {
	fp := fingerprint{n: n}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(fp.sum) || n < 0 || n > fingerprintBytes {
		return fp, fmt.Errorf("bad fingerprint %d:%q", n, s)
	}
	copy(fp.sum[:], b)
	return fp, nil
}

// readPrefix reads up to len(buf) bytes from the start of r.
func readPrefix(r io.ReaderAt, buf []byte) ([]byte, error) {
	n, err := r.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading the first %d bytes: %w", len(buf), err)
	}
	return buf[:n], nil
}
