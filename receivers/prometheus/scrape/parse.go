package scrape

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"github.com/prometheus/prometheus/model/timestamp"
)

var (
	errSampleLimit        = errors.New("sample limit exceeded")
	errNameLabelMandatory = fmt.Errorf("missing metric name (%s label)", model.MetricNameLabel)
)

// maxAheadTime is how far in the future an exposed timestamp may be before
// the sample is dropped, as Prometheus' timeLimitAppender.
const maxAheadTime = 10 * time.Minute

// minTime is the oldest timestamp (ms) pdata's nanoseconds can carry (year
// 1677); older exposed timestamps are dropped as out of bounds, which is
// what Prometheus' TSDB does with them too.
const minTime = math.MinInt64 / int64(time.Millisecond)

// sample is one accepted sample of a scrape, before conversion to pdata.
type sample struct {
	s    *series
	meta *metaEntry       // family it belongs to (nil: none, no metadata)
	typ  model.MetricType // family type at the time the sample was parsed
	t    int64            // milliseconds
	v    float64
}

// counts are the figures Prometheus reports per scrape.
type counts struct {
	total       int // scrape_samples_scraped
	added       int // scrape_samples_post_metric_relabeling
	seriesAdded int // scrape_series_added
}

// parse reads one scrape body into c.samples following Prometheus'
// scrapeLoopAppender.append: target labels and honor_labels applied, the
// sample limit and the 10-minute future limit enforced, duplicates dropped,
// series tracked for staleness. Any error fails the whole scrape; the
// counts are still meaningful (Prometheus reports them).
func (c *converter) parse(b []byte, contentType string, defTime int64, now time.Time) (res counts, err error) {
	c.samples = c.samples[:0]
	defer func() {
		// The parsers are Prometheus' own and fuzzed, but a receiver must
		// survive anything a target sends.
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panic: %v", r)
		}
	}()

	p, perr := textparse.New(b, contentType, c.symbols, textparse.ParserOptions{
		IgnoreNativeHistograms: true,
		FallbackContentType:    c.fallbackMediaType,
	})
	if p == nil {
		return res, fmt.Errorf("choosing a parser: %w", perr)
	}
	if perr != nil {
		c.logger.Debug("Invalid content type on scrape, using fallback setting", "content_type", contentType, "err", perr)
	}

	var (
		lset           labels.Labels
		lastMeta       *metaEntry
		appended       int
		duplicates     int
		outOfBounds    int
		sampleLimitErr error
		maxTime        = timestamp.FromTime(now.Add(maxAheadTime))
	)
	for {
		et, err := p.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return res, fmt.Errorf("parsing %s: %w", mediaTypeName(contentType), err)
		}
		switch et {
		case textparse.EntryType:
			name, typ := p.Type()
			lastMeta = c.cache.meta(name)
			lastMeta.typ = typ
			continue
		case textparse.EntryHelp:
			name, help := p.Help()
			lastMeta = c.cache.meta(name)
			if lastMeta.help != string(help) {
				lastMeta.help = string(help)
			}
			continue
		case textparse.EntryUnit:
			name, unit := p.Unit()
			lastMeta = c.cache.meta(name)
			if lastMeta.unit != string(unit) {
				lastMeta.unit = string(unit)
			}
			continue
		case textparse.EntryComment:
			continue
		case textparse.EntryHistogram:
			// Native histograms are off, as in Prometheus by default; the
			// parser only returns one when a target sends nothing else.
			res.total++
			continue
		}
		res.total++

		met, parsedTS, v := p.Series()
		if !c.honorTimestamps {
			parsedTS = nil
		}
		t := defTime
		if parsedTS != nil {
			t = *parsedTS
		}

		s, cached := c.cache.byText[string(met)]
		if !cached {
			p.Labels(&lset)
			if s, err = c.newSeries(lset); err != nil {
				return res, err
			}
		}
		if s.seen == c.cache.iter && parsedTS == nil {
			duplicates++
			res.added++
			continue
		}
		appended++
		switch {
		case c.sampleLimit > 0 && appended > c.sampleLimit:
			// Keep parsing so that scrape_samples_scraped is right.
			sampleLimitErr = fmt.Errorf("%w (limit %d)", errSampleLimit, c.sampleLimit)
			res.added++
			continue
		case t > maxTime || t < minTime:
			outOfBounds++
			res.added++
			continue
		}

		s.seen = c.cache.iter
		if parsedTS == nil || c.trackTimestampsStaleness {
			c.cache.track(s)
		}
		if !cached {
			c.cache.byText[string(met)] = s
			if sampleLimitErr == nil {
				res.seriesAdded++
			}
		}
		smp := sample{s: s, typ: model.MetricTypeUnknown, t: t, v: v}
		if lastMeta != nil && isSeriesPartOfFamily(s.name, lastMeta.name, lastMeta.typ) {
			smp.meta, smp.typ = lastMeta, lastMeta.typ
		}
		c.samples = append(c.samples, smp)
		res.added++
	}
	if duplicates > 0 {
		c.logger.Warn("Error on ingesting samples with different value but same timestamp", "num_dropped", duplicates)
	}
	if outOfBounds > 0 {
		c.logger.Warn("Error on ingesting samples that are too old or are too far into the future", "num_dropped", outOfBounds)
	}
	return res, sampleLimitErr
}

// newSeries builds the final label set of a series seen for the first time
// under this text: target labels added (honor_labels), empty labels dropped,
// then validated as Prometheus' scrape loop and TSDB head do.
func (c *converter) newSeries(scraped labels.Labels) (*series, error) {
	lset := c.mutateLabels(scraped).WithoutEmpty()
	if !lset.Has(model.MetricNameLabel) {
		return nil, errNameLabelMandatory
	}
	if !lset.IsValid(model.UTF8Validation) {
		return nil, fmt.Errorf("invalid metric name or label names: %s", lset.String())
	}
	if name, dup := lset.HasDuplicateLabelNames(); dup {
		return nil, fmt.Errorf("label name %q is not unique: %s", name, lset.String())
	}
	return c.cache.lookup(lset, c.setAttrs), nil
}

// mutateLabels adds the target labels to a scraped label set, as
// Prometheus' mutateSampleLabels without metric_relabel_configs.
func (c *converter) mutateLabels(lset labels.Labels) labels.Labels {
	lb := c.lb
	lb.Reset(lset)
	if c.honorLabels {
		c.target.labels.Range(func(l labels.Label) {
			if !lset.Has(l.Name) {
				lb.Set(l.Name, l.Value)
			}
		})
		return lb.Labels()
	}
	conflicts := c.conflicts[:0]
	c.target.labels.Range(func(l labels.Label) {
		if v := lset.Get(l.Name); v != "" {
			conflicts = append(conflicts, labels.Label{Name: l.Name, Value: v})
		}
		lb.Set(l.Name, l.Value)
	})
	// resolveConflictingExposedLabels: shortest names first, then prefix
	// exported_ until the name is free.
	slices.SortStableFunc(conflicts, func(a, b labels.Label) int { return len(a.Name) - len(b.Name) })
	for _, l := range conflicts {
		name := l.Name
		for {
			name = model.ExportedLabelPrefix + name
			if lb.Get(name) == "" {
				lb.Set(name, l.Value)
				break
			}
		}
	}
	c.conflicts = conflicts[:0]
	return lb.Labels()
}

// setAttrs decides where a new series goes in pdata. Normally its point
// attributes are its labels except __name__ and those the Resource (the
// target labels) already carries with the same value. A series lacking a
// target label (honor_labels and an empty exposed value, which Prometheus
// stores as no label) is bare: under an empty Resource, all its labels on
// the point, since the rowconv contract has no way to remove a Resource
// attribute from one series.
func (c *converter) setAttrs(s *series) {
	c.target.labels.Range(func(l labels.Label) {
		if !s.lset.Has(l.Name) {
			s.bare = true
		}
	})
	s.attrs = make([]labels.Label, 0, s.lset.Len())
	s.lset.Range(func(l labels.Label) {
		if l.Name != model.MetricNameLabel && (s.bare || c.target.labels.Get(l.Name) != l.Value) {
			s.attrs = append(s.attrs, l)
		}
	})
}

// isSeriesPartOfFamily is Prometheus' test of whether a series belongs to the
// family announced by the last TYPE/HELP/UNIT line (scrape.go, v0.316).
func isSeriesPartOfFamily(name, family string, typ model.MetricType) bool {
	if !strings.HasPrefix(name, family) {
		return false
	}
	got := name
	switch typ {
	case model.MetricTypeCounter:
		family = strings.TrimSuffix(family, "_total")
		got = strings.TrimSuffix(name, "_total")
	case model.MetricTypeHistogram:
		got = trimAnySuffix(name, "_bucket", "_sum", "_count")
	case model.MetricTypeGaugeHistogram:
		got = trimAnySuffix(name, "_bucket", "_gsum", "_gcount")
	case model.MetricTypeSummary:
		got = trimAnySuffix(name, "_sum", "_count")
	case model.MetricTypeInfo:
		family = strings.TrimSuffix(family, "_info")
		got = strings.TrimSuffix(name, "_info")
	}
	return family == got
}

// trimAnySuffix removes the first of suffixes that s ends with.
func trimAnySuffix(s string, suffixes ...string) string {
	for _, suf := range suffixes {
		if t, ok := strings.CutSuffix(s, suf); ok {
			return t
		}
	}
	return s
}

// mediaTypeName names the exposition format for error messages.
func mediaTypeName(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	if mt = strings.TrimSpace(mt); mt == "" {
		return "exposition"
	}
	return mt
}

// discardLogger is used when the caller passes no logger.
var discardLogger = slog.New(slog.DiscardHandler)
