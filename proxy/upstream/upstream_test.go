package upstream

import (
	"context"
	"errors"
	"testing"
	"time"
)

func spec(n int, p Policy) Spec {
	s := Spec{Name: "outbound|9080||svc.default.svc.cluster.local", Policy: p}
	for i := range n {
		s.Endpoints = append(s.Endpoints, Endpoint{Address: "10.0.0." + string(rune('1'+i)) + ":80"})
	}
	return s
}

func TestRoundRobin(t *testing.T) {
	c := newCluster(spec(3, Policy{LB: RoundRobin}), nil)
	counts := map[string]int{}
	for range 300 {
		counts[c.Pick(nil).Address]++
	}
	for a, n := range counts {
		if n != 100 {
			t.Errorf("%s picked %d times, want 100", a, n)
		}
	}
}

func TestLeastRequestPrefersIdle(t *testing.T) {
	c := newCluster(spec(2, Policy{LB: LeastRequest}), nil)
	busy := c.hosts[0]
	for range 10 {
		c.Begin(busy)
	}
	idle := 0
	for range 1000 {
		if c.Pick(nil) == c.hosts[1] {
			idle++
		}
	}
	// With two hosts, P2C sees both whenever its second draw differs from
	// the first: the idle host wins about 3/4 of the picks or more.
	if idle < 700 {
		t.Errorf("idle host picked %d/1000", idle)
	}
}

func TestPickAvoidsTried(t *testing.T) {
	for _, lb := range []LBPolicy{RoundRobin, Random, LeastRequest} {
		c := newCluster(spec(3, Policy{LB: lb}), nil)
		first := c.Pick(nil)
		for range 50 {
			if h := c.Pick([]*Host{first}); h == first {
				t.Fatalf("%v: picked a tried host while others are healthy", lb)
			}
		}
		if h := c.Pick(c.hosts); h == nil {
			t.Fatalf("%v: all tried must still give a host", lb)
		}
	}
}

func TestOutlierEjection(t *testing.T) {
	od := &OutlierPolicy{Consecutive5xx: 3, ConsecutiveGateway: 2, Interval: time.Second, BaseEjectionTime: 30 * time.Second, MaxEjectionPercent: 50}
	c := newCluster(spec(4, Policy{Outlier: od}), nil)
	h := c.hosts[0]
	now := time.Now()
	c.End(h, 500, false)
	c.End(h, 500, false)
	c.End(h, 200, false) // resets the streak
	c.End(h, 500, false)
	c.End(h, 500, false)
	if h.Ejected(now) {
		t.Fatal("ejected before 3 consecutive 5xx")
	}
	c.End(h, 500, false)
	if !h.Ejected(time.Now()) {
		t.Fatal("not ejected after 3 consecutive 5xx")
	}
	until := time.Unix(0, h.ejectedUntil.Load())
	if d := until.Sub(now); d < 30*time.Second || d > 32*time.Second {
		t.Errorf("ejected for %v", d)
	}
	if until.Sub(c.epoch)%time.Second != 0 {
		t.Errorf("ejection does not end on the interval grid")
	}
	// Gateway errors: two local failures eject host 1 (50%% max: 2 of 4).
	c.End(c.hosts[1], 0, true)
	c.End(c.hosts[1], 0, true)
	if !c.hosts[1].Ejected(time.Now()) {
		t.Fatal("host 1 not ejected after 2 gateway errors")
	}
	// A third ejection would exceed 50%.
	c.End(c.hosts[2], 502, false)
	c.End(c.hosts[2], 502, false)
	if c.hosts[2].Ejected(time.Now()) {
		t.Fatal("maxEjectionPercent exceeded")
	}
	for range 20 {
		if h := c.Pick(nil); h == c.hosts[0] || h == c.hosts[1] {
			t.Fatal("picked an ejected host")
		}
	}
	// State survives a reload that keeps the address.
	c2 := newCluster(c.Spec, c)
	if !c2.hosts[0].Ejected(time.Now()) || c2.hosts[0].ejections.Load() != 1 {
		t.Error("ejection lost across rebuild")
	}
}

func TestAlwaysEjectOne(t *testing.T) {
	od := &OutlierPolicy{Consecutive5xx: 1, BaseEjectionTime: time.Minute, MaxEjectionPercent: 10}
	c := newCluster(spec(2, Policy{Outlier: od}), nil)
	c.End(c.hosts[0], 503, false)
	c.End(c.hosts[1], 503, false)
	if !c.hosts[0].Ejected(time.Now()) || c.hosts[1].Ejected(time.Now()) {
		t.Fatal("want exactly the first host ejected")
	}
	c.End(c.hosts[1], 503, false)
	c.hosts[0].ejectedUntil.Store(time.Now().Add(-time.Second).UnixNano())
	if c.Pick(nil) == nil {
		t.Fatal("no host after ejection expired")
	}
}

func TestNoHealthyHost(t *testing.T) {
	od := &OutlierPolicy{Consecutive5xx: 1, BaseEjectionTime: time.Minute, MaxEjectionPercent: 100}
	c := newCluster(spec(1, Policy{Outlier: od}), nil)
	c.End(c.hosts[0], 500, false)
	if h := c.Pick(nil); h != nil {
		t.Fatalf("picked ejected %s", h.Address)
	}
	od.MinHealthPercent = 50 // panic mode: use ejected hosts
	if h := c.Pick(nil); h == nil {
		t.Fatal("panic mode should pick")
	}
	if c := newCluster(spec(0, Policy{}), nil); c.Pick(nil) != nil {
		t.Fatal("empty cluster picked a host")
	}
}

func TestCircuitBreakers(t *testing.T) {
	ctx := context.Background()
	c := newCluster(spec(1, Policy{MaxConnections: 1, MaxPendingRequests: 1}), nil)
	if err := c.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	pendingDone := make(chan error)
	go func() { pendingDone <- c.Acquire(ctx) }()
	for c.pending.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	if err := c.Acquire(ctx); !errors.Is(err, ErrOverflow) {
		t.Fatalf("third request: %v, want overflow", err)
	}
	c.Release()
	if err := <-pendingDone; err != nil {
		t.Fatal(err)
	}
	c.Release()
	if c.active.Load() != 0 || c.pending.Load() != 0 || c.overflows.Load() != 1 {
		t.Fatalf("counters: active %d pending %d overflows %d", c.active.Load(), c.pending.Load(), c.overflows.Load())
	}

	r := newCluster(spec(1, Policy{MaxRequests: 2}), nil)
	_ = r.Acquire(ctx)
	_ = r.Acquire(ctx)
	if err := r.Acquire(ctx); !errors.Is(err, ErrOverflow) {
		t.Fatalf("http2MaxRequests: %v", err)
	}

	w := newCluster(spec(1, Policy{MaxConnections: 1}), nil)
	_ = w.Acquire(ctx)
	tctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := w.Acquire(tctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("pending wait: %v", err)
	}
	if w.active.Load() != 1 {
		t.Fatalf("active after timeout = %d", w.active.Load())
	}

	m := newCluster(spec(1, Policy{MaxRetries: 1}), nil)
	if !m.TryRetry() || m.TryRetry() {
		t.Fatal("maxRetries not enforced")
	}
	m.DoneRetry()
	if !m.TryRetry() {
		t.Fatal("retry slot not released")
	}
}

func BenchmarkPick(b *testing.B) {
	for _, lb := range []LBPolicy{RoundRobin, Random, LeastRequest} {
		b.Run(lb.String(), func(b *testing.B) {
			c := newCluster(spec(5, Policy{LB: lb, Outlier: &OutlierPolicy{Consecutive5xx: 5, MaxEjectionPercent: 10}}), nil)
			b.ReportAllocs()
			for b.Loop() {
				if c.Pick(nil) == nil {
					b.Fatal("no host")
				}
			}
		})
	}
}

func BenchmarkAcquireRelease(b *testing.B) {
	c := newCluster(spec(1, Policy{MaxConnections: 1024, MaxRequests: 1024}), nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Acquire(ctx); err != nil {
			b.Fatal(err)
		}
		c.Release()
	}
}
