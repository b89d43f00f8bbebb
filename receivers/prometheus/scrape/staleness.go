package scrape

// emitStale writes staleness markers at defTime for the series tracked in
// the previous successful scrape that this one did not track (all of them
// when all is set: the scrape failed). A unit all of whose series went
// stale gets one marker of its own shape (e.g. a whole histogram); a series
// that went stale alone (e.g. one bucket of a histogram that is still
// there) gets a Gauge marker named as the series, which the rowconv contract
// expands to exactly that series.
func (c *converter) emitStale(b *builder, defTime int64, all bool) {
	iter := c.cache.iter
	isStale := func(s *series) bool { return all || s.tracked != iter }
	for _, s := range c.cache.prev {
		if s.unit == nil { // Cannot happen: tracked series are always converted.
			s.unit = &unit{kind: kindGauge, name: s.name, rep: s, n: 1}
		}
		if isStale(s) {
			s.unit.stale++
		}
	}
	for _, s := range c.cache.prev {
		if !isStale(s) {
			continue
		}
		u := s.unit
		if u.stale == u.n {
			if !u.staleDone {
				u.staleDone = true
				b.add(u, defTime, true)
			}
			continue
		}
		alone := unit{kind: kindGauge, name: s.name, meta: u.meta, rep: s, n: 1}
		b.add(&alone, defTime, true)
	}
	for _, s := range c.cache.prev {
		s.unit.stale, s.unit.staleDone = 0, false
	}
}
