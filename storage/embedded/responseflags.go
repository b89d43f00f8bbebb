package embedded

import (
	"strconv"

	"github.com/meshlens/meshlens/storage"
)

// responseFlagBitsColumn holds storage.ResponseFlagBits of a record's flags.
const responseFlagBitsColumn = "response_flag_bits"

// flagBits and failureMask are storage's, under the names the SQL and the
// tests here use.
var (
	flagBits    = storage.ResponseFlagBits
	failureMask = storage.FailureFlagMask
)

// failedFlagsSQL is true for records with a failure flag.
var failedFlagsSQL = "(" + responseFlagBitsColumn + " & " + strconv.FormatInt(failureMask, 10) + ") <> 0"
