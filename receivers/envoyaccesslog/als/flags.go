package als

import (
	"strings"

	datav3 "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
)

// responseFlags lists Envoy's short response-flag strings in the order
// Envoy renders %RESPONSE_FLAGS% (source/common/stream_info/utility.h,
// ALL_RESPONSE_STRINGS_FLAGS), which is also the proto's field order. The
// proto has no field for DO (drop overload), so it never appears.
var responseFlags = [...]struct {
	short string
	set   func(*datav3.ResponseFlags) bool
}{
	{"LH", (*datav3.ResponseFlags).GetFailedLocalHealthcheck},
	{"UH", (*datav3.ResponseFlags).GetNoHealthyUpstream},
	{"UT", (*datav3.ResponseFlags).GetUpstreamRequestTimeout},
	{"LR", (*datav3.ResponseFlags).GetLocalReset},
	{"UR", (*datav3.ResponseFlags).GetUpstreamRemoteReset},
	{"UF", (*datav3.ResponseFlags).GetUpstreamConnectionFailure},
	{"UC", (*datav3.ResponseFlags).GetUpstreamConnectionTermination},
	{"UO", (*datav3.ResponseFlags).GetUpstreamOverflow},
	{"NR", (*datav3.ResponseFlags).GetNoRouteFound},
	{"DI", (*datav3.ResponseFlags).GetDelayInjected},
	{"FI", (*datav3.ResponseFlags).GetFaultInjected},
	{"RL", (*datav3.ResponseFlags).GetRateLimited},
	{"UAEX", func(f *datav3.ResponseFlags) bool { return f.GetUnauthorizedDetails() != nil }},
	{"RLSE", (*datav3.ResponseFlags).GetRateLimitServiceError},
	{"DC", (*datav3.ResponseFlags).GetDownstreamConnectionTermination},
	{"URX", (*datav3.ResponseFlags).GetUpstreamRetryLimitExceeded},
	{"SI", (*datav3.ResponseFlags).GetStreamIdleTimeout},
	{"IH", (*datav3.ResponseFlags).GetInvalidEnvoyRequestHeaders},
	{"DPE", (*datav3.ResponseFlags).GetDownstreamProtocolError},
	{"UMSDR", (*datav3.ResponseFlags).GetUpstreamMaxStreamDurationReached},
	{"RFCF", (*datav3.ResponseFlags).GetResponseFromCacheFilter},
	{"NFCF", (*datav3.ResponseFlags).GetNoFilterConfigFound},
	{"DT", (*datav3.ResponseFlags).GetDurationTimeout},
	{"UPE", (*datav3.ResponseFlags).GetUpstreamProtocolError},
	{"NC", (*datav3.ResponseFlags).GetNoClusterFound},
	{"OM", (*datav3.ResponseFlags).GetOverloadManager},
	{"DF", (*datav3.ResponseFlags).GetDnsResolutionFailure},
	{"DR", (*datav3.ResponseFlags).GetDownstreamRemoteReset},
}

// FlagsString renders f as Envoy's %RESPONSE_FLAGS% does ("UH", "UF,URX"),
// except that no flag gives "" rather than "-" (rows store "-" as "").
func FlagsString(f *datav3.ResponseFlags) string {
	if f == nil {
		return ""
	}
	first, n := "", 0
	var b strings.Builder
	for _, rf := range responseFlags {
		if !rf.set(f) {
			continue
		}
		switch n++; n {
		case 1:
			first = rf.short
			continue
		case 2:
			b.WriteString(first)
		}
		b.WriteByte(',')
		b.WriteString(rf.short)
	}
	if n <= 1 {
		return first // no allocation for the common cases
	}
	return b.String()
}
