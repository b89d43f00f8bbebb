package upstream

import (
	"sync/atomic"
	"time"
)

// Host is one endpoint of a live cluster with its load and health state.
// Its methods are safe for concurrent use.
type Host struct {
	Endpoint

	active       atomic.Int64 // requests in flight
	consec5xx    atomic.Int32
	consecGw     atomic.Int32
	ejectedUntil atomic.Int64 // unix ns; 0 when not ejected
	ejections    atomic.Int32 // times ejected (multiplies the ejection time)
	total        atomic.Int64 // requests sent, for /config_dump
}

// Active is the number of requests in flight to the host.
func (h *Host) Active() int64 { return h.active.Load() }

// Ejected reports whether outlier detection has the host out of rotation at now.
func (h *Host) Ejected(now time.Time) bool {
	u := h.ejectedUntil.Load()
	return u != 0 && now.UnixNano() < u
}

// HostStatus is a snapshot of a host for /config_dump.
type HostStatus struct {
	Address      string            `json:"address"`
	Workload     string            `json:"workload,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Active       int64             `json:"active"`
	Requests     int64             `json:"requests"`
	Ejected      bool              `json:"ejected"`
	EjectedUntil *time.Time        `json:"ejectedUntil,omitempty"`
	Ejections    int32             `json:"ejections"`
}

func (h *Host) status(now time.Time) HostStatus {
	s := HostStatus{Address: h.Address, Workload: h.Workload, Labels: h.Labels, Active: h.active.Load(),
		Requests: h.total.Load(), Ejected: h.Ejected(now), Ejections: h.ejections.Load()}
	if s.Ejected {
		t := time.Unix(0, h.ejectedUntil.Load()).UTC()
		s.EjectedUntil = &t
	}
	return s
}
