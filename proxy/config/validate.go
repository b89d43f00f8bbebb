package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
)

// RetryOn is a parsed Istio/Envoy retryOn policy. Plain status codes in the
// list (Istio's "503") become Codes, as Istio translates them to Envoy's
// retriable-status-codes.
type RetryOn struct {
	FiveXX         bool // "5xx": any 5xx, connect failure, reset or per-try timeout
	GatewayError   bool // "gateway-error": 502, 503, 504, resets and per-try timeouts
	ConnectFailure bool // "connect-failure"
	RefusedStream  bool // "refused-stream": HTTP/2 REFUSED_STREAM
	Reset          bool // "reset": no response at all (disconnect, reset, per-try timeout)
	Retriable4xx   bool // "retriable-4xx": 409
	Codes          []int
}

// ParseRetryOn parses a comma-separated retryOn value. gRPC policies
// (cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)
// are accepted and match the corresponding grpc-status of a response.
func ParseRetryOn(s string) (RetryOn, error) {
	var r RetryOn
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		switch tok {
		case "":
		case "5xx":
			r.FiveXX = true
		case "gateway-error":
			r.GatewayError = true
		case "connect-failure", "reset-before-request", "http3-post-connect-failure":
			r.ConnectFailure = true
		case "refused-stream":
			r.RefusedStream = true
		case "reset":
			r.Reset = true
		case "retriable-4xx":
			r.Retriable4xx = true
		case "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
			"cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable":
			// Recognised; status-code lists come as plain codes in Istio.
		default:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 100 || n > 599 {
				return r, fmt.Errorf("%q is not a retry policy or HTTP status code", tok)
			}
			r.Codes = append(r.Codes, n)
		}
	}
	return r, nil
}

// Percentage returns the fraction in [0,1] a fault applies to: Istio's
// percentage.value, the deprecated integer percent, or 100% when neither
// is set.
func Percentage(p *networking.Percent, legacy int32) float64 {
	switch {
	case p != nil:
		return p.GetValue() / 100
	case legacy != 0:
		return float64(legacy) / 100
	default:
		return 1
	}
}

func validateVirtualService(vs *networking.VirtualService) error {
	if len(vs.Hosts) == 0 {
		return fmt.Errorf("spec.hosts: at least one host is required")
	}
	for i, h := range vs.Hosts {
		if h == "" {
			return fmt.Errorf("spec.hosts[%d]: empty host", i)
		}
	}
	if len(vs.Tcp) > 0 {
		return fmt.Errorf("spec.tcp: TCP routes are not supported by the meshlens proxy")
	}
	if len(vs.Tls) > 0 {
		return fmt.Errorf("spec.tls: TLS routes are not supported by the meshlens proxy")
	}
	for i, r := range vs.Http {
		if err := validateHTTPRoute(r); err != nil {
			return fmt.Errorf("spec.http[%d].%w", i, err)
		}
	}
	return nil
}

func unsupported(field string) error {
	return fmt.Errorf("%s: not supported by the meshlens proxy", field)
}

func validateHTTPRoute(r *networking.HTTPRoute) error {
	switch {
	case r.Redirect != nil:
		return unsupported("redirect")
	case r.DirectResponse != nil:
		return unsupported("directResponse")
	case r.Delegate != nil:
		return unsupported("delegate")
	case r.Rewrite != nil && r.Rewrite.Uri != "" && r.Rewrite.UriRegexRewrite != nil:
		return fmt.Errorf("rewrite: uri and uriRegexRewrite are mutually exclusive")
	case r.Mirror != nil || len(r.Mirrors) > 0 || r.MirrorPercent != nil || r.MirrorPercentage != nil:
		return unsupported("mirror")
	case r.CorsPolicy != nil:
		return unsupported("corsPolicy")
	}
	if rr := r.GetRewrite().GetUriRegexRewrite(); rr != nil {
		if _, err := regexp.Compile(rr.Match); err != nil {
			return fmt.Errorf("rewrite.uriRegexRewrite.match: %w", err)
		}
	}
	for i, m := range r.Match {
		if err := validateMatch(m); err != nil {
			return fmt.Errorf("match[%d].%w", i, err)
		}
	}
	if len(r.Route) == 0 {
		return fmt.Errorf("route: at least one destination is required")
	}
	total := int32(0)
	for i, d := range r.Route {
		if d.Destination == nil || d.Destination.Host == "" {
			return fmt.Errorf("route[%d].destination.host: required", i)
		}
		if d.Weight < 0 {
			return fmt.Errorf("route[%d].weight: %d is negative", i, d.Weight)
		}
		total += d.Weight
	}
	if len(r.Route) > 1 && total == 0 {
		return fmt.Errorf("route: weights are all zero")
	}
	if d := r.Timeout; d != nil {
		if err := d.CheckValid(); err != nil || d.AsDuration() < 0 {
			return fmt.Errorf("timeout: invalid duration")
		}
	}
	if rt := r.Retries; rt != nil {
		if rt.Attempts < 0 {
			return fmt.Errorf("retries.attempts: %d is negative", rt.Attempts)
		}
		if d := rt.PerTryTimeout; d != nil && (d.CheckValid() != nil || d.AsDuration() <= 0) {
			return fmt.Errorf("retries.perTryTimeout: must be a positive duration")
		}
		if d := rt.Backoff; d != nil && (d.CheckValid() != nil || d.AsDuration() <= 0) {
			return fmt.Errorf("retries.backoff: must be a positive duration")
		}
		if _, err := ParseRetryOn(rt.RetryOn); err != nil {
			return fmt.Errorf("retries.retryOn: %w", err)
		}
	}
	if f := r.Fault; f != nil {
		if d := f.Delay; d != nil {
			if _, ok := d.HttpDelayType.(*networking.HTTPFaultInjection_Delay_FixedDelay); !ok {
				return fmt.Errorf("fault.delay.fixedDelay: required (exponentialDelay is not supported)")
			}
			if fd := d.GetFixedDelay(); fd.CheckValid() != nil || fd.AsDuration() < 0 {
				return fmt.Errorf("fault.delay.fixedDelay: invalid duration")
			}
			if err := checkPercent(d.Percentage, d.Percent); err != nil {
				return fmt.Errorf("fault.delay.%w", err)
			}
		}
		if a := f.Abort; a != nil {
			st, ok := a.ErrorType.(*networking.HTTPFaultInjection_Abort_HttpStatus)
			if !ok {
				return fmt.Errorf("fault.abort.httpStatus: required (grpcStatus and http2Error are not supported)")
			}
			if st.HttpStatus < 200 || st.HttpStatus > 599 {
				return fmt.Errorf("fault.abort.httpStatus: %d is not in 200..599", st.HttpStatus)
			}
			if err := checkPercent(a.Percentage, 0); err != nil {
				return fmt.Errorf("fault.abort.%w", err)
			}
		}
	}
	return nil
}

func checkPercent(p *networking.Percent, legacy int32) error {
	if p != nil && (p.Value < 0 || p.Value > 100) {
		return fmt.Errorf("percentage.value: %v is not in 0..100", p.Value)
	}
	if legacy < 0 || legacy > 100 {
		return fmt.Errorf("percent: %d is not in 0..100", legacy)
	}
	return nil
}

func validateMatch(m *networking.HTTPMatchRequest) error {
	if len(m.Gateways) > 0 {
		return unsupported("gateways")
	}
	for name, sm := range map[string]*networking.StringMatch{"uri": m.Uri, "method": m.Method, "scheme": m.Scheme, "authority": m.Authority} {
		if err := checkStringMatch(sm); err != nil {
			return fmt.Errorf("%s.%w", name, err)
		}
	}
	for set, hs := range map[string]map[string]*networking.StringMatch{"headers": m.Headers, "withoutHeaders": m.WithoutHeaders, "queryParams": m.QueryParams} {
		for k, sm := range hs {
			if k == "" {
				return fmt.Errorf("%s: empty name", set)
			}
			if err := checkStringMatch(sm); err != nil {
				return fmt.Errorf("%s.%s.%w", set, k, err)
			}
		}
	}
	return nil
}

func checkStringMatch(sm *networking.StringMatch) error {
	if sm == nil {
		return nil
	}
	if re, ok := sm.MatchType.(*networking.StringMatch_Regex); ok {
		if _, err := regexp.Compile(re.Regex); err != nil {
			return fmt.Errorf("regex: %w", err)
		}
	}
	return nil
}

func validateDestinationRule(dr *networking.DestinationRule) error {
	if dr.Host == "" {
		return fmt.Errorf("spec.host: required")
	}
	if dr.WorkloadSelector != nil {
		return unsupported("spec.workloadSelector")
	}
	if err := validateTrafficPolicy(dr.TrafficPolicy); err != nil {
		return fmt.Errorf("spec.trafficPolicy.%w", err)
	}
	names := map[string]bool{}
	for i, s := range dr.Subsets {
		if s.Name == "" {
			return fmt.Errorf("spec.subsets[%d].name: required", i)
		}
		if names[s.Name] {
			return fmt.Errorf("spec.subsets[%d].name: duplicate subset %q", i, s.Name)
		}
		names[s.Name] = true
		if err := validateTrafficPolicy(s.TrafficPolicy); err != nil {
			return fmt.Errorf("spec.subsets[%d].trafficPolicy.%w", i, err)
		}
	}
	return nil
}

func validateTrafficPolicy(tp *networking.TrafficPolicy) error {
	if tp == nil {
		return nil
	}
	switch {
	case len(tp.PortLevelSettings) > 0:
		return unsupported("portLevelSettings")
	case tp.Tunnel != nil:
		return unsupported("tunnel")
	case tp.ProxyProtocol != nil:
		return unsupported("proxyProtocol")
	case tp.RetryBudget != nil:
		return unsupported("retryBudget")
	case tp.Tls != nil && tp.Tls.Mode != networking.ClientTLSSettings_DISABLE:
		return unsupported("tls: only mode DISABLE is (no mTLS yet)")
	}
	if lb := tp.LoadBalancer; lb != nil {
		switch {
		case lb.LocalityLbSetting != nil:
			return unsupported("loadBalancer.localityLbSetting")
		case lb.ZoneAwareLbSetting != nil:
			return unsupported("loadBalancer.zoneAwareLbSetting")
		case lb.WarmupDurationSecs != nil || lb.Warmup != nil:
			return unsupported("loadBalancer.warmup")
		}
		switch p := lb.LbPolicy.(type) {
		case nil:
		case *networking.LoadBalancerSettings_Simple:
			if p.Simple == networking.LoadBalancerSettings_PASSTHROUGH {
				return unsupported("loadBalancer.simple: PASSTHROUGH")
			}
		default:
			return unsupported("loadBalancer: only simple policies are")
		}
	}
	if cp := tp.ConnectionPool; cp != nil {
		if t := cp.Tcp; t != nil {
			if t.MaxConnections < 0 {
				return fmt.Errorf("connectionPool.tcp.maxConnections: %d is negative", t.MaxConnections)
			}
			if d := t.ConnectTimeout; d != nil && (d.CheckValid() != nil || d.AsDuration() <= 0) {
				return fmt.Errorf("connectionPool.tcp.connectTimeout: must be a positive duration")
			}
		}
		if h := cp.Http; h != nil {
			for name, v := range map[string]int32{"http1MaxPendingRequests": h.Http1MaxPendingRequests, "http2MaxRequests": h.Http2MaxRequests,
				"maxRequestsPerConnection": h.MaxRequestsPerConnection, "maxRetries": h.MaxRetries} {
				if v < 0 {
					return fmt.Errorf("connectionPool.http.%s: %d is negative", name, v)
				}
			}
			if d := h.IdleTimeout; d != nil && (d.CheckValid() != nil || d.AsDuration() <= 0) {
				return fmt.Errorf("connectionPool.http.idleTimeout: must be a positive duration")
			}
		}
	}
	if od := tp.OutlierDetection; od != nil {
		if od.MaxEjectionPercent < 0 || od.MaxEjectionPercent > 100 {
			return fmt.Errorf("outlierDetection.maxEjectionPercent: %d is not in 0..100", od.MaxEjectionPercent)
		}
		if od.MinHealthPercent < 0 || od.MinHealthPercent > 100 {
			return fmt.Errorf("outlierDetection.minHealthPercent: %d is not in 0..100", od.MinHealthPercent)
		}
		if d := od.Interval; d != nil && (d.CheckValid() != nil || d.AsDuration() <= 0) {
			return fmt.Errorf("outlierDetection.interval: must be a positive duration")
		}
		if d := od.BaseEjectionTime; d != nil && (d.CheckValid() != nil || d.AsDuration() <= 0) {
			return fmt.Errorf("outlierDetection.baseEjectionTime: must be a positive duration")
		}
		if od.SplitExternalLocalOriginErrors || od.ConsecutiveLocalOriginFailures != nil ||
			len(od.OutlierDetectionHttpErrorCodes) > 0 || od.FailurePercentageThreshold != nil {
			return unsupported("outlierDetection: only consecutive error detection is")
		}
	}
	return nil
}
