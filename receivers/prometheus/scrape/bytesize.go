package scrape

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/units"
)

// ByteSize is a size in bytes. In YAML it is a plain integer or a string
// with Prometheus' base-2 units ("10MiB", "512KB", "1GB" all count in
// powers of 1024, as Prometheus' body_size_limit does).
type ByteSize int64

// UnmarshalText parses "1024", "10MiB", "512KB" and the like. mapstructure
// calls it for string YAML values; integers decode directly.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*b = ByteSize(n)
		return nil
	}
	n, err := units.ParseBase2Bytes(s)
	if err != nil {
		return fmt.Errorf("invalid byte size %q: %w", s, err)
	}
	*b = ByteSize(n)
	return nil
}

// MarshalText writes the size with base-2 units, e.g. "10MiB".
func (b ByteSize) MarshalText() ([]byte, error) {
	return []byte(b.String()), nil
}

// String formats the size with base-2 units, "0B" for zero.
func (b ByteSize) String() string {
	return units.Base2Bytes(b).String()
}
