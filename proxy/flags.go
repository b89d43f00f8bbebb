package proxy

import "strings"

// flags is a set of Envoy response flags. Bit order is Envoy's, so the
// short string lists them in the order Envoy prints them ("UF,URX").
type flags uint32

const (
	flagUH  flags = 1 << iota // no healthy upstream
	flagUT                    // upstream request timeout
	flagLR                    // local reset
	flagUR                    // upstream remote reset
	flagUF                    // upstream connection failure
	flagUC                    // upstream connection termination
	flagUO                    // upstream overflow (circuit breaking)
	flagNR                    // no route found
	flagDI                    // delay injected
	flagFI                    // fault injected
	flagDC                    // downstream connection termination
	flagURX                   // upstream retry limit exceeded
	flagNC                    // no cluster found
)

var flagNames = [...]string{"UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "DC", "URX", "NC"}

// String is Envoy's %RESPONSE_FLAGS% short form; "" when none.
func (f flags) String() string {
	if f == 0 {
		return ""
	}
	var b strings.Builder
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// Envoy's %RESPONSE_CODE_DETAILS% values used by the proxy.
const (
	detailsViaUpstream        = "via_upstream"
	detailsRouteNotFound      = "route_not_found"
	detailsClusterNotFound    = "cluster_not_found"
	detailsNoHealthyUpstream  = "no_healthy_upstream"
	detailsOverflow           = "overflow"
	detailsFaultAbort         = "fault_filter_abort"
	detailsResponseTimeout    = "upstream_response_timeout"
	detailsPerTryTimeout      = "upstream_per_try_timeout"
	detailsConnectFailure     = "upstream_reset_before_response_started{connection_failure}"
	detailsConnTermination    = "upstream_reset_before_response_started{connection_termination}"
	detailsRefusedStream      = "upstream_reset_before_response_started{remote_refused_stream_reset}"
	detailsResetAfterStart    = "upstream_reset_after_response_started{connection_termination}"
	detailsDownstreamGone     = "downstream_remote_disconnect"
	detailsDownstreamWriteErr = "downstream_remote_disconnect_after_response_started"
)
