package clickhouse

import (
	"strconv"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// envoyFlags are Envoy's short response flags; a flag's index is its bit in
// the response_flag_bits column (the same bits as the embedded backend's).
// The list is append-only: stored bits depend on it.
var envoyFlags = []string{
	"UH", "UF", "UO", "NR", "URX", "NC", "DT", "DC", "LH", "UT", "LR", "UR", "UC", "DI", "FI",
	"RL", "UAEX", "RLSE", "IH", "SI", "DPE", "UPE", "UMSDR", "RFCF", "NFCF", "OM", "DF", "DO", "DR",
}

// otherFlagBit marks a record carrying a flag not in envoyFlags.
const otherFlagBit = 62

// flagBits is the response_flag_bits value of comma-separated flags: RED
// tests flags with one integer AND instead of string matching; which flags
// are failures is decided at query time from storage.FailureResponseFlags.
func flagBits(flags string) int64 {
	var bits int64
	for f := range strings.SplitSeq(flags, ",") {
		if f == "" {
			continue
		}
		if i := indexOf(envoyFlags, f); i >= 0 {
			bits |= 1 << i
		} else {
			bits |= 1 << otherFlagBit
		}
	}
	return bits
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// failureMask has the bits of storage.FailureResponseFlags. A failure flag
// missing from envoyFlags would never match, so it is a programming error.
var failureMask = func() int64 {
	var m int64
	for _, f := range storage.FailureResponseFlags {
		i := indexOf(envoyFlags, f)
		if i < 0 {
			panic("clickhouse: failure flag " + f + " is not in envoyFlags")
		}
		m |= 1 << i
	}
	return m
}()

// failedFlagsSQL is 1 for records with a failure flag.
var failedFlagsSQL = "(bitAnd(response_flag_bits, " + strconv.FormatInt(failureMask, 10) + ") != 0)"
