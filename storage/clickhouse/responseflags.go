package clickhouse

import (
	"strconv"

	"github.com/meshlens/meshlens/storage"
)

// flagBits is storage.ResponseFlagBits: the response_flag_bits column.
var flagBits = storage.ResponseFlagBits

// failedFlagsSQL is 1 for records with a failure flag.
var failedFlagsSQL = "(bitAnd(response_flag_bits, " + strconv.FormatInt(storage.FailureFlagMask, 10) + ") != 0)"
