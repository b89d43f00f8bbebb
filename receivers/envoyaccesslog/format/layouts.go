package format

import (
	"fmt"
	"sync/atomic"

	"github.com/meshlens/meshlens/storage"
)

// The built-in layouts, as the Envoy format strings that produce them and
// compiled by the same compiler as any custom format. Istio's operators
// never differ between proxies of one version; what changed across
// versions is which operators its default format holds.
const (
	// envoyFormat is Envoy's default format string (Envoy docs,
	// configuration/observability/access_log/usage.rst, "Default Format
	// String"; unchanged from v1.5 to the current docs).
	envoyFormat = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"` + "\n"

	// envoyDetailsFormat is the default with %RESPONSE_CODE_DETAILS% after
	// the flags, as Envoy's own examples (examples/*/envoy.yaml) and many
	// deployments configure it.
	envoyDetailsFormat = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"` + "\n"

	// envoyDetailsFailureFormat adds "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
	// at the end, as Envoy's examples (e.g. examples/tls) do.
	envoyDetailsFailureFormat = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%"` + "\n"

	// istioFormat is Istio's default text format from 1.23 on
	// (istio/istio pilot/pkg/model/telemetry_logging.go EnvoyTextLogFormat,
	// istio/istio#52384): %UPSTREAM_CLUSTER_RAW%, because Istio had given
	// clusters an alt_stat_name ending in ';', which %UPSTREAM_CLUSTER%
	// prints (istio/istio#54219).
	istioFormat = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ` +
		`"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% ` +
		`%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ` +
		`%REQUESTED_SERVER_NAME% %ROUTE_NAME%` + "\n"

	// istio19Format is Istio's default text format from 1.9 to 1.22
	// (pilot/pkg/networking/core/v1alpha3/accesslog.go EnvoyTextLogFormat,
	// "for Istio 1.9 onwards"). It compiles to the same parser as
	// istioFormat: both operators fill UpstreamCluster, and a trailing ';'
	// (the alt_stat_name) is removed.
	istio19Format = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ` +
		`"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% ` +
		`%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ` +
		`%REQUESTED_SERVER_NAME% %ROUTE_NAME%` + "\n"

	// istio18Format is what Istio 1.8 configured (its EnvoyTextLogFormat,
	// used for proxies older than 1.9): no mixer status, no details.
	istio18Format = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ` +
		`%BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% ` +
		`%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ` +
		`%REQUESTED_SERVER_NAME% %ROUTE_NAME%` + "\n"

	// istio17Format is Istio 1.3 to 1.7's (EnvoyTextLogFormat13, "for Istio
	// 1.3 onwards"), with the Mixer policy status, which fills no column.
	istio17Format = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" ` +
		`"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% ` +
		`%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ` +
		`%REQUESTED_SERVER_NAME% %ROUTE_NAME%` + "\n"

	// istio12Format is Istio 1.2's (EnvoyTextLogFormat12): 1.3's without
	// %ROUTE_NAME%.
	istio12Format = `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ` +
		`%RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" ` +
		`"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
		`%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ` +
		`"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% ` +
		`%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ` +
		`%REQUESTED_SERVER_NAME%` + "\n"

	// istioJSONFormat is Istio's JSON encoding (EnvoyJSONLogFormatIstio,
	// 1.9 on; 1.24 on with %UPSTREAM_CLUSTER_RAW%, istio/istio#54224).
	// Older versions write a subset of these members, and Envoy writes them
	// in any order, all strings or typed.
	istioJSONFormat = `{"start_time":"%START_TIME%","route_name":"%ROUTE_NAME%",` +
		`"method":"%REQ(:METHOD)%","path":"%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%","protocol":"%PROTOCOL%",` +
		`"response_code":"%RESPONSE_CODE%","response_flags":"%RESPONSE_FLAGS%",` +
		`"response_code_details":"%RESPONSE_CODE_DETAILS%",` +
		`"connection_termination_details":"%CONNECTION_TERMINATION_DETAILS%",` +
		`"bytes_received":"%BYTES_RECEIVED%","bytes_sent":"%BYTES_SENT%","duration":"%DURATION%",` +
		`"upstream_service_time":"%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",` +
		`"x_forwarded_for":"%REQ(X-FORWARDED-FOR)%","user_agent":"%REQ(USER-AGENT)%",` +
		`"request_id":"%REQ(X-REQUEST-ID)%","authority":"%REQ(:AUTHORITY)%",` +
		`"upstream_host":"%UPSTREAM_HOST%","upstream_cluster":"%UPSTREAM_CLUSTER_RAW%",` +
		`"upstream_local_address":"%UPSTREAM_LOCAL_ADDRESS%",` +
		`"downstream_local_address":"%DOWNSTREAM_LOCAL_ADDRESS%",` +
		`"downstream_remote_address":"%DOWNSTREAM_REMOTE_ADDRESS%",` +
		`"requested_server_name":"%REQUESTED_SERVER_NAME%",` +
		`"upstream_transport_failure_reason":"%UPSTREAM_TRANSPORT_FAILURE_REASON%"}`
)

// Compiled built-ins, in the order a multi-layout parser tries them: the
// layouts with more fields first, though the field checks already keep any
// real line from matching two of them.
var (
	istioTexts = []*program{
		mustText("istio-1.9", istioFormat),
		mustText("istio-1.8", istio18Format),
		mustText("istio-1.7", istio17Format),
		mustText("istio-1.2", istio12Format),
	}
	envoyTexts = []*program{
		mustText("envoy-details-failure", envoyDetailsFailureFormat),
		mustText("envoy-details", envoyDetailsFormat),
		mustText("envoy", envoyFormat),
	}
	allTexts  = append(append([]*program{}, istioTexts...), envoyTexts...)
	istioJSON = mustJSON("istio-json", istioJSONFormat)
)

func mustText(name, format string) *program {
	p, err := compileText(name, format)
	if err != nil {
		panic(fmt.Sprintf("built-in layout %s: %v", name, err))
	}
	return p
}

func mustJSON(name, format string) *jsonLayout {
	l, ok, err := compileDict(name, format)
	if !ok || err != nil {
		panic(fmt.Sprintf("built-in layout %s: %v", name, err))
	}
	l.name = name
	l.text = nil // Istio's JSON encoding is always JSON
	return l
}

// multiLayout detects each line's layout on its own: JSON lines go to the
// JSON layout, others to the text layouts, trying first the one that
// matched last (files rarely mix layouts, so this usually costs one
// attempt). It is safe for concurrent use; the hint is only a speed-up.
type multiLayout struct {
	name  string
	texts []*program
	json  *jsonLayout
	hint  atomic.Int32
}

func (m *multiLayout) parseRecord(s string, dst *storage.AccessLog) error {
	if isJSONLine(s) || len(m.texts) == 0 {
		if m.json == nil {
			return &lineError{msg: "the line is JSON, but the " + m.name + " layouts are text"}
		}
		return m.json.parseRecord(s, dst)
	}
	h := int(m.hint.Load())
	*dst = blank
	best := m.texts[h].fill(s, dst, nil)
	if !best.failed() {
		return nil
	}
	bestAt := h
	for i, p := range m.texts {
		if i == h {
			continue
		}
		*dst = blank
		f := p.fill(s, dst, nil)
		if !f.failed() {
			m.hint.Store(int32(i))
			return nil
		}
		if f.at > best.at {
			best, bestAt = f, i
		}
	}
	return &noMatchError{name: m.name, closest: m.texts[bestAt].error(best)}
}

// noMatchError says that no layout of a multi-layout parser matched, with
// the error of the layout that got furthest. It is formatted lazily so that
// the offsets inside can still be shifted past a kubectl prefix.
type noMatchError struct {
	name    string
	closest error
}

func (e *noMatchError) Error() string {
	return "no " + e.name + " layout matches the line; closest: " + e.closest.Error()
}

func (e *noMatchError) Unwrap() error { return e.closest }

// isJSONLine reports whether the first non-blank byte opens an object.
func isJSONLine(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}
