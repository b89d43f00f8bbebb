package storage

import (
	"slices"
	"strings"
)

// FailureResponseFlags are the Envoy response flags (short form, as
// %RESPONSE_FLAGS% logs them) that make a record count as an error in RED
// whatever its response code: each means the mesh failed to deliver the
// request or its response (no healthy upstream, connect failure, overflow,
// retries exhausted, timeout, reset, protocol error, no route or cluster,
// overload, DNS failure).
//
// Not failures by themselves: DI (delay injected), FI (fault injected: the
// injected code decides, so an injected 503 is an error through its code),
// RL and UAEX (rate limit and ext-authz denials: a policy answer, a 4xx),
// DPE and IH (the downstream sent a bad request: a 4xx), SI (stream idle
// timeout, usually a client that went quiet) and any flag not listed.
var FailureResponseFlags = []string{
	"UH",    // no healthy upstream hosts
	"UF",    // upstream connection failure
	"UO",    // upstream overflow (circuit breaking)
	"NR",    // no route configured
	"URX",   // upstream retry limit or connect attempts exceeded
	"NC",    // upstream cluster not found
	"DT",    // request or connection exceeded max duration
	"UT",    // upstream request timeout
	"LH",    // local service failed health check
	"UC",    // upstream connection termination
	"DC",    // downstream connection termination
	"LR",    // connection local reset
	"UR",    // upstream remote reset
	"UPE",   // upstream protocol error
	"UMSDR", // upstream max stream duration reached
	"OM",    // overload manager terminated the request
	"DF",    // DNS resolution failed
	"DO",    // dropped by overload (load shedding)
	"RLSE",  // rate limit service error
	"NFCF",  // no filter config found
}

// IsFailure reports whether a record with this response code and
// comma-separated response flags counts in RED.Errors: a 5xx code, or any
// of FailureResponseFlags. It is the reference definition; backends compute
// the same predicate inside their query engines.
func IsFailure(code int32, flags string) bool {
	if code >= 500 && code <= 599 {
		return true
	}
	for f := range strings.SplitSeq(flags, ",") {
		for _, ff := range FailureResponseFlags {
			if f == ff {
				return true
			}
		}
	}
	return false
}

// IsClientError reports whether a record counts in RED.ClientErrors: a 4xx
// code that is not a failure (IsFailure false).
func IsClientError(code int32, flags string) bool {
	return code >= 400 && code <= 499 && !IsFailure(code, flags)
}

// responseFlagBitOrder lists Envoy's short response flags; a flag's index
// is its bit in ResponseFlagBits. The list is append-only: backends store
// the bits.
var responseFlagBitOrder = []string{
	"UH", "UF", "UO", "NR", "URX", "NC", "DT", "DC", "LH", "UT", "LR", "UR", "UC", "DI", "FI",
	"RL", "UAEX", "RLSE", "IH", "SI", "DPE", "UPE", "UMSDR", "RFCF", "NFCF", "OM", "DF", "DO", "DR",
}

// OtherResponseFlagBit marks a record carrying a flag Envoy did not have
// when responseFlagBitOrder was last extended.
const OtherResponseFlagBit = 62

// ResponseFlagBits encodes comma-separated short flags as one integer, so
// that backends store it with each record and test flags in RED with one
// integer AND instead of string matching (a regexp over 10M rows costs
// more than the rest of RED together). Which flags count as failures is
// decided at query time, with FailureFlagMask.
func ResponseFlagBits(flags string) int64 {
	var bits int64
	for f := range strings.SplitSeq(flags, ",") {
		if f == "" {
			continue
		}
		if i := slices.Index(responseFlagBitOrder, f); i >= 0 {
			bits |= 1 << i
		} else {
			bits |= 1 << OtherResponseFlagBit
		}
	}
	return bits
}

// FailureFlagMask has the ResponseFlagBits of FailureResponseFlags. A
// failure flag missing from the bit order would never match, so it is a
// programming error.
var FailureFlagMask = func() int64 {
	var m int64
	for _, f := range FailureResponseFlags {
		i := slices.Index(responseFlagBitOrder, f)
		if i < 0 {
			panic("storage: failure flag " + f + " has no bit")
		}
		m |= 1 << i
	}
	return m
}()
