package embedded

import (
	"slices"
	"sync"

	"github.com/meshlens/meshlens/storage"
)

// metadataCache keeps the distinct metadata seen per family, in memory, as
// Prometheus' own target metadata cache does; it is rebuilt from ingest.
type metadataCache struct {
	mu  sync.RWMutex
	fam map[string][]storage.Metadata
}

// maxMetadataPerFamily bounds memory when a family's HELP keeps changing.
const maxMetadataPerFamily = 16

func (c *metadataCache) update(md []storage.Metadata) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fam == nil {
		c.fam = map[string][]storage.Metadata{}
	}
	for _, m := range md {
		cur := c.fam[m.Metric]
		if slices.Contains(cur, m) {
			continue
		}
		if len(cur) >= maxMetadataPerFamily {
			cur = cur[1:]
		}
		c.fam[m.Metric] = append(cur, m)
	}
}

func (c *metadataCache) get(metric string, limit, limitPerMetric int) map[string][]storage.Metadata {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string][]storage.Metadata{}
	names := make([]string, 0, len(c.fam))
	for name := range c.fam {
		if metric == "" || name == metric {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if limit > 0 && len(out) >= limit {
			break
		}
		ms := c.fam[name]
		if limitPerMetric > 0 && len(ms) > limitPerMetric {
			ms = ms[:limitPerMetric]
		}
		out[name] = slices.Clone(ms)
	}
	return out
}
