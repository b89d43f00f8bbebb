package graph

import (
	"math"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// Disagreement tolerances. Sources legitimately differ a little: a request
// near a minute boundary lands in different minutes, spans are sampled,
// metrics are scraped at intervals. Beyond these the edge is flagged.
const (
	// requestsTolerance is the relative difference in request counts
	// beyond which sources disagree.
	requestsTolerance = 0.05
	// errorRatioTolerance is the absolute difference in error ratio.
	errorRatioTolerance = 0.01
)

// disagreements compares the sources that saw an edge on request counts
// and error ratio, reported in that order, each with every source's value.
// Latencies are not compared: only the shown source's sketches are read
// (see Engine.read), and metrics' bucket resolution would hide most
// differences anyway.
func disagreements(ps perSource, win time.Duration) []Disagreement {
	out := []Disagreement{}
	if len(ps) < 2 {
		return out
	}
	reds := map[string]RED{}
	for s, a := range ps {
		reds[s] = redOf(a, win)
	}
	type field struct {
		name  string
		value func(RED) float64
		apart func(a, b RED) bool
	}
	fields := []field{
		{"requests", func(r RED) float64 { return float64(r.Requests) }, func(a, b RED) bool {
			hi := math.Max(float64(a.Requests), float64(b.Requests))
			return math.Abs(float64(a.Requests-b.Requests)) > requestsTolerance*hi
		}},
		{"error_ratio", func(r RED) float64 { return r.ErrorRatio }, func(a, b RED) bool {
			return math.Abs(a.ErrorRatio-b.ErrorRatio) > errorRatioTolerance
		}},
	}
	for _, f := range fields {
		apart := false
		for i, s := range storage.RollupSources {
			for _, t := range storage.RollupSources[i+1:] {
				a, aok := reds[s]
				b, bok := reds[t]
				if aok && bok && f.apart(a, b) {
					apart = true
				}
			}
		}
		if apart {
			d := Disagreement{Field: f.name, Values: map[string]float64{}}
			for s, r := range reds {
				d.Values[s] = f.value(r)
			}
			out = append(out, d)
		}
	}
	return out
}
