package rowconv

import (
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/meshlens/meshlens/storage"
)

// metadataSet collects the distinct metadata entries of one AppendMetrics
// call in first-seen order.
type metadataSet struct {
	seen map[storage.Metadata]struct{}
	list []storage.Metadata
}

func (s *metadataSet) reset() {
	clear(s.seen)
	s.list = nil
}

// take returns the collected entries; the caller owns the slice.
func (s *metadataSet) take() []storage.Metadata {
	l := s.list
	s.list = nil
	clear(s.seen)
	return l
}

// note records m's metadata, if it carries any (see the package doc).
func (s *metadataSet) note(m pmetric.Metric) {
	meta := m.Metadata()
	typ, hasType := meta.Get(MetadataTypeKey)
	if !hasType && m.Description() == "" && m.Unit() == "" {
		return
	}
	e := storage.Metadata{Metric: m.Name(), Help: m.Description(), Unit: m.Unit()}
	if fam, ok := meta.Get(MetadataFamilyKey); ok && fam.AsString() != "" {
		e.Metric = fam.AsString()
	}
	if hasType && typ.AsString() != "" {
		e.Type = typ.AsString()
	} else {
		e.Type = derivedType(m)
	}
	if _, dup := s.seen[e]; dup {
		return
	}
	if s.seen == nil {
		s.seen = make(map[storage.Metadata]struct{})
	}
	s.seen[e] = struct{}{}
	s.list = append(s.list, e)
}

// derivedType is the Prometheus type of a metric that does not say.
func derivedType(m pmetric.Metric) string {
	switch m.Type() {
	case pmetric.MetricTypeSum:
		if s := m.Sum(); s.IsMonotonic() && s.AggregationTemporality() == pmetric.AggregationTemporalityCumulative {
			return "counter"
		}
		return "gauge"
	case pmetric.MetricTypeGauge:
		return "gauge"
	case pmetric.MetricTypeHistogram, pmetric.MetricTypeExponentialHistogram:
		return "histogram"
	case pmetric.MetricTypeSummary:
		return "summary"
	default:
		return "unknown"
	}
}
