package remotewrite

import (
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/prompb"
)

// seriesMeta is what a series' metadata says; the zero value says nothing.
// typ is a Prometheus type as exposed; family is the family name when it is
// not the series name.
type seriesMeta struct {
	typ, family, help, unit string
}

// prometheusTypes maps the enum values of both remote-write versions (1.0's
// MetricMetadata.MetricType and 2.0's Metadata.MetricType share numbering)
// to Prometheus type names; 0 is 1.0's UNKNOWN and 2.0's UNSPECIFIED.
var prometheusTypes = [...]model.MetricType{
	0: model.MetricTypeUnknown,
	1: model.MetricTypeCounter,
	2: model.MetricTypeGauge,
	3: model.MetricTypeHistogram,
	4: model.MetricTypeGaugeHistogram,
	5: model.MetricTypeSummary,
	6: model.MetricTypeInfo,
	7: model.MetricTypeStateset,
}

// typeName returns the Prometheus type for an enum value; values from a
// newer sender this build does not know are "unknown".
func typeName(enum int32) string {
	if enum < 0 || int(enum) >= len(prometheusTypes) {
		return string(model.MetricTypeUnknown)
	}
	return string(prometheusTypes[enum])
}

// familySuffixes are the series-name suffixes a family of the given types
// adds to its name, as Prometheus exposes classic histograms, summaries,
// OpenMetrics counters and info metrics.
var familySuffixes = []struct {
	suffix string
	types  []model.MetricType
}{
	{"_bucket", []model.MetricType{model.MetricTypeHistogram, model.MetricTypeGaugeHistogram}},
	{"_sum", []model.MetricType{model.MetricTypeHistogram, model.MetricTypeSummary}},
	{"_count", []model.MetricType{model.MetricTypeHistogram, model.MetricTypeSummary}},
	{"_gsum", []model.MetricType{model.MetricTypeGaugeHistogram}},
	{"_gcount", []model.MetricType{model.MetricTypeGaugeHistogram}},
	{"_total", []model.MetricType{model.MetricTypeCounter}},
	{"_created", []model.MetricType{model.MetricTypeCounter, model.MetricTypeHistogram, model.MetricTypeSummary}},
	{"_info", []model.MetricType{model.MetricTypeInfo}},
}

// familyOf returns the family a series named name belongs to when its type
// is typ and its metadata does not name the family (remote write 2.0): the
// name without the suffix typ's exposition adds, or name. A counter keeps
// _total: 2.0 cannot tell a text-format family "x_total" from an
// OpenMetrics family "x", and Prometheus' text format names the former.
func familyOf(name, typ string) string {
	if typ == string(model.MetricTypeCounter) || typ == string(model.MetricTypeInfo) {
		return name
	}
	for _, s := range familySuffixes {
		if strings.HasSuffix(name, s.suffix) && typeIn(typ, s.types) {
			return name[:len(name)-len(s.suffix)]
		}
	}
	return name
}

func typeIn(typ string, types []model.MetricType) bool {
	for _, t := range types {
		if string(t) == typ {
			return true
		}
	}
	return false
}

// v1Metadata indexes a 1.0 request's metadata by family name and tracks
// which entries matched a series, so the rest can travel on their own.
type v1Metadata struct {
	entries  []prompb.MetricMetadata
	byFamily map[string]int
	used     []bool
}

func (ix *v1Metadata) reset(entries []prompb.MetricMetadata) {
	ix.entries = entries
	clear(ix.byFamily)
	ix.used = ix.used[:0]
	if len(entries) == 0 {
		return
	}
	if ix.byFamily == nil {
		ix.byFamily = make(map[string]int, len(entries))
	}
	for i, e := range entries {
		ix.used = append(ix.used, false)
		if _, dup := ix.byFamily[e.MetricFamilyName]; !dup && e.MetricFamilyName != "" {
			ix.byFamily[e.MetricFamilyName] = i
		}
	}
}

// lookup returns the metadata of the family series name belongs to: the
// entry named name, or the one named name minus a suffix that entry's type
// exposes.
func (ix *v1Metadata) lookup(name string) seriesMeta {
	if len(ix.byFamily) == 0 {
		return seriesMeta{}
	}
	if i, ok := ix.byFamily[name]; ok {
		return ix.use(i, name)
	}
	for _, s := range familySuffixes {
		if !strings.HasSuffix(name, s.suffix) {
			continue
		}
		fam := name[:len(name)-len(s.suffix)]
		if i, ok := ix.byFamily[fam]; ok && typeIn(typeName(int32(ix.entries[i].Type)), s.types) {
			return ix.use(i, fam)
		}
	}
	return seriesMeta{}
}

func (ix *v1Metadata) use(i int, family string) seriesMeta {
	ix.used[i] = true
	return v1Meta(ix.entries[i], family)
}

func v1Meta(e prompb.MetricMetadata, family string) seriesMeta {
	return seriesMeta{typ: typeName(int32(e.Type)), family: family, help: e.Help, unit: e.Unit}
}
