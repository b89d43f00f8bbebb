// Package demo holds the seed Istio rules `meshlens demo` applies
// (reviews.yaml, ratings.yaml), embedded so the binary is self-contained.
package demo

import "embed"

// Rules is the directory of seed VirtualServices and DestinationRules.
//
//go:embed *.yaml
var Rules embed.FS
