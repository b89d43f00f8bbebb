package format

import (
	"strings"
	"time"
)

// maxPrefixTime is the length of the longest RFC 3339 time kubectl writes
// ("2006-01-02T15:04:05.999999999-07:00").
const maxPrefixTime = len("2006-01-02T15:04:05.999999999-07:00")

// splitPrefix removes a `kubectl logs --timestamps` prefix (an RFC 3339
// time and a space) from s, and after it the CRI log-file fields
// ("stdout F " or "stderr P ") that /var/log/pods files add. n is the
// number of bytes removed, 0 when s has no such prefix.
func splitPrefix(s string) (rest string, t time.Time, n int) {
	if len(s) < len("2006-01-02T15:04:05Z ") || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[0] < '0' || s[0] > '9' {
		return s, time.Time{}, 0
	}
	sp := strings.IndexByte(s[:min(len(s), maxPrefixTime+1)], ' ')
	if sp < 0 {
		return s, time.Time{}, 0
	}
	t, err := time.Parse(time.RFC3339Nano, s[:sp])
	if err != nil {
		return s, time.Time{}, 0
	}
	n = sp + 1
	if cri := s[n:]; len(cri) >= len("stdout F ") &&
		(strings.HasPrefix(cri, "stdout ") || strings.HasPrefix(cri, "stderr ")) &&
		(cri[7] == 'F' || cri[7] == 'P') && cri[8] == ' ' {
		n += len("stdout F ")
	}
	return s[n:], t, n
}
