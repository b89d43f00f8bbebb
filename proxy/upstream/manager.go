package upstream

import (
	"reflect"
	"sort"
	"sync"
)

// NewCluster builds a standalone cluster (the inbound cluster in front of
// the local app) that no Manager tracks.
func NewCluster(s Spec) *Cluster { return newCluster(s, nil) }

// Manager owns the live clusters across config reloads, so connection
// pools and outlier state survive changes that do not touch them.
type Manager struct {
	mu       sync.Mutex
	clusters map[string]*Cluster
}

// NewManager returns an empty Manager.
func NewManager() *Manager { return &Manager{clusters: map[string]*Cluster{}} }

// Sync makes the live clusters match specs and returns them by name.
// Unchanged clusters are kept as they are; changed ones are rebuilt,
// carrying host health over by address; removed ones release their idle
// connections (requests in flight finish normally).
func (m *Manager) Sync(specs []Spec) map[string]*Cluster {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := make(map[string]*Cluster, len(specs))
	for _, s := range specs {
		old := m.clusters[s.Name]
		if old != nil && reflect.DeepEqual(old.Spec, s) {
			next[s.Name] = old
			continue
		}
		next[s.Name] = newCluster(s, old)
		if old != nil {
			old.Close()
		}
	}
	for name, c := range m.clusters {
		if next[name] == nil {
			c.Close()
		}
	}
	m.clusters = next
	out := make(map[string]*Cluster, len(next))
	for k, v := range next {
		out[k] = v
	}
	return out
}

// Get returns the live cluster of that name, or nil.
func (m *Manager) Get(name string) *Cluster {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.clusters[name]
}

// Status snapshots every live cluster, sorted by name.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	cs := make([]*Cluster, 0, len(m.clusters))
	for _, c := range m.clusters {
		cs = append(cs, c)
	}
	m.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	out := make([]Status, len(cs))
	for i, c := range cs {
		out[i] = c.Status()
	}
	return out
}

// Close releases every cluster's idle connections.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.clusters {
		c.Close()
	}
}
