package scrape

import (
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// series is one series as Prometheus would store it, cached per target
// across scrapes so that a steady target costs one map lookup per sample.
type series struct {
	lset  labels.Labels // final labels: scraped + target labels, honor_labels applied
	name  string        // __name__
	attrs []labels.Label
	// bare series lack a target label (honor_labels and an empty exposed
	// value): they cannot sit under the target's Resource, so they go under
	// an empty one with all their labels on the point.
	bare bool
	hash uint64

	seen    uint64 // iteration in which it was last accepted (duplicate detection)
	tracked uint64 // iteration in which it was last tracked for staleness
	unit    *unit  // what it was emitted as in the last converted scrape

	shape shape // how it fits its family, for shapeFam/shapeType
}

// metaEntry is a family's metadata from TYPE, HELP and UNIT lines. Like
// Prometheus' scrape cache it is sticky: a line missing from a later scrape
// leaves the last value in place.
type metaEntry struct {
	name     string
	typ      model.MetricType
	help     string
	unit     string
	lastIter uint64
}

// seriesCache is a target's memory between scrapes: series by their exposed
// text (the parser's series bytes), series by label hash for duplicates
// written differently, family metadata, and the series tracked for
// staleness in the last successful scrape.
type seriesCache struct {
	iter            uint64
	byText          map[string]*series
	byHash          map[uint64][]*series
	metas           map[string]*metaEntry
	prev, cur       []*series
	successfulCount int
}

func newSeriesCache() *seriesCache {
	return &seriesCache{
		iter:   1,
		byText: map[string]*series{},
		byHash: map[uint64][]*series{},
		metas:  map[string]*metaEntry{},
	}
}

// meta returns the metadata entry for a family, creating it as "unknown".
func (c *seriesCache) meta(name []byte) *metaEntry {
	m, ok := c.metas[string(name)]
	if !ok {
		m = &metaEntry{name: string(name), typ: model.MetricTypeUnknown}
		c.metas[m.name] = m
	}
	m.lastIter = c.iter
	return m
}

// lookup returns the series with exactly lset, creating it (and letting
// init fill in its attributes) if there is none.
func (c *seriesCache) lookup(lset labels.Labels, init func(*series)) *series {
	h := lset.Hash()
	for _, s := range c.byHash[h] {
		if labels.Equal(s.lset, lset) {
			return s
		}
	}
	s := &series{lset: lset, name: lset.Get(model.MetricNameLabel), hash: h}
	init(s)
	c.byHash[h] = append(c.byHash[h], s)
	return s
}

// track marks s as present in this scrape for staleness purposes.
func (c *seriesCache) track(s *series) {
	if s.tracked != c.iter {
		s.tracked = c.iter
		c.cur = append(c.cur, s)
	}
}

// iterDone ends a scrape, as Prometheus' scrapeCache.iterDone: the series
// tracked in it become the reference for the next staleness check. flush
// (a successful, non-empty scrape) drops entries not seen in it; a cache
// that keeps growing through failed scrapes is flushed anyway.
func (c *seriesCache) iterDone(flush bool) {
	count := len(c.byText) + len(c.metas)
	switch {
	case flush:
		c.successfulCount = count
	case count > c.successfulCount*2+1000:
		flush = true
	}
	if flush {
		c.flush()
	}
	old := c.prev
	clear(old)
	c.prev, c.cur = c.cur, old[:0]
	c.iter++
}

// dropCurrent forgets what a failed scrape tracked, so that nothing of it
// counts as present.
func (c *seriesCache) dropCurrent() {
	clear(c.cur)
	c.cur = c.cur[:0]
}

// flush drops series not seen in this scrape and metadata not seen in the
// last 10.
func (c *seriesCache) flush() {
	for k, s := range c.byText {
		if s.seen != c.iter {
			delete(c.byText, k)
		}
	}
	for h, ss := range c.byHash {
		kept := ss[:0]
		for _, s := range ss {
			if s.seen == c.iter {
				kept = append(kept, s)
			}
		}
		if len(kept) == 0 {
			delete(c.byHash, h)
			continue
		}
		clear(ss[len(kept):])
		c.byHash[h] = kept
	}
	for k, m := range c.metas {
		if c.iter-m.lastIter > 10 { // Prometheus keeps metadata 10 scrapes.
			delete(c.metas, k)
		}
	}
}
