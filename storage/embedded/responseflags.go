package embedded

import (
	"strconv"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// envoyFlags are Envoy's short response flags; a flag's index is its bit in
// the response_flag_bits column. The list is append-only: stored bits
// depend on it.
var envoyFlags = []string{
	"UH", "UF", "UO", "NR", "URX", "NC", "DT", "DC", "LH", "UT", "LR", "UR", "UC", "DI", "FI",
	"RL", "UAEX", "RLSE", "IH", "SI", "DPE", "UPE", "UMSDR", "RFCF", "NFCF", "OM", "DF", "DO", "DR",
}

// otherFlagBit marks a record carrying a flag not in envoyFlags.
const otherFlagBit = 62

const responseFlagBitsColumn = "response_flag_bits"

// flagBits is the response_flag_bits value of comma-separated flags. It is
// stored with each record so that RED tests flags with one integer AND
// instead of string matching (a regexp over 10M rows costs more than the
// rest of RED together); which flags count as failures is decided at query
// time, from storage.FailureResponseFlags.
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
			panic("embedded: failure flag " + f + " is not in envoyFlags")
		}
		m |= 1 << i
	}
	return m
}()

// failedFlagsSQL is true for records with a failure flag.
var failedFlagsSQL = "(" + responseFlagBitsColumn + " & " + strconv.FormatInt(failureMask, 10) + ") <> 0"
