package scrape

import (
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
)

// ScrapeProtocol names an exposition format a target may answer with, as in
// Prometheus' scrape_protocols and fallback_scrape_protocol.
type ScrapeProtocol string

// The scrape protocols Prometheus v0.316 knows, except the experimental
// OpenMetrics 2.0 (Prometheus needs a feature flag for it; meshlens does not
// offer it).
const (
	PrometheusProto      ScrapeProtocol = "PrometheusProto"
	PrometheusText0_0_4  ScrapeProtocol = "PrometheusText0.0.4"
	PrometheusText1_0_0  ScrapeProtocol = "PrometheusText1.0.0"
	OpenMetricsText0_0_1 ScrapeProtocol = "OpenMetricsText0.0.1"
	OpenMetricsText1_0_0 ScrapeProtocol = "OpenMetricsText1.0.0"
)

// scrapeProtocolHeaders is Prometheus' config.ScrapeProtocolsHeaders.
var scrapeProtocolHeaders = map[ScrapeProtocol]string{
	PrometheusProto:      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
	PrometheusText0_0_4:  "text/plain;version=0.0.4",
	PrometheusText1_0_0:  "text/plain;version=1.0.0",
	OpenMetricsText0_0_1: "application/openmetrics-text;version=0.0.1",
	OpenMetricsText1_0_0: "application/openmetrics-text;version=1.0.0",
}

// DefaultScrapeProtocols is Prometheus' default preference order (protobuf is
// offered only when listed explicitly, as Prometheus does without native
// histograms).
var DefaultScrapeProtocols = []ScrapeProtocol{
	OpenMetricsText1_0_0,
	OpenMetricsText0_0_1,
	PrometheusText1_0_0,
	PrometheusText0_0_4,
}

// Validate reports an unknown protocol, listing the supported ones. The
// empty protocol means "not set" and is valid: the collector calls Validate
// on every config field, including an unset fallback_scrape_protocol.
func (p ScrapeProtocol) Validate() error {
	if p == "" {
		return nil
	}
	if _, ok := scrapeProtocolHeaders[p]; ok {
		return nil
	}
	supported := make([]string, 0, len(scrapeProtocolHeaders))
	for k := range scrapeProtocolHeaders {
		supported = append(supported, string(k))
	}
	slices.Sort(supported)
	return fmt.Errorf("unknown scrape protocol %q, supported: %s", p, strings.Join(supported, ", "))
}

// mediaType is the protocol's MIME type without parameters ("" if unknown).
func (p ScrapeProtocol) mediaType() string {
	mt, _, err := mime.ParseMediaType(scrapeProtocolHeaders[p])
	if err != nil {
		return ""
	}
	return mt
}

func validateProtocols(ps []ScrapeProtocol) error {
	if len(ps) == 0 {
		return errors.New("must not be empty")
	}
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		key := strings.ToLower(string(p))
		if seen[key] {
			return fmt.Errorf("duplicated protocol %q", p)
		}
		if err := p.Validate(); err != nil {
			return err
		}
		seen[key] = true
	}
	return nil
}

// acceptHeader builds the Accept header exactly as Prometheus does: the
// protocols in order with decreasing q weights, the 1.0.0 text formats
// announcing UTF-8 names (escaping=allow-utf-8), then */* last.
func acceptHeader(ps []ScrapeProtocol) string {
	vals := make([]string, 0, len(ps)+1)
	weight := len(scrapeProtocolHeaders) + 2 // Prometheus counts OpenMetrics 2.0 too.
	for _, p := range ps {
		val := scrapeProtocolHeaders[p]
		if p == PrometheusText1_0_0 || p == OpenMetricsText1_0_0 {
			val += ";" + model.EscapingKey + "=" + model.AllowUTF8
		}
		vals = append(vals, fmt.Sprintf("%s;q=0.%d", val, weight))
		weight--
	}
	vals = append(vals, fmt.Sprintf("*/*;q=0.%d", weight))
	return strings.Join(vals, ",")
}

func acceptEncodingHeader(compression bool) string {
	if compression {
		return "gzip"
	}
	return "identity"
}
