package istiometrics

import (
	"sync"
	"sync/atomic"
)

// cache maps a comparable label set to its series. Reads are lock-free
// loads of an immutable map; a miss copies the map under a mutex (series
// are few and created once, requests are many). A typed map hashes the
// key with the compiler's generated hash, several times faster than
// sync.Map's hash of an interface.
type cache[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

func (c *cache[K, V]) get(k *K, create func() V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[*k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[*k]; ok {
			return v
		}
	}
	next := make(map[K]V, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	v := create()
	next[*k] = v
	c.m.Store(&next)
	return v
}

func lenOf[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
