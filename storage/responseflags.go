package storage

import "strings"

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
