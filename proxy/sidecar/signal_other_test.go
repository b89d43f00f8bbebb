//go:build !unix

package sidecar

// sigusr1 is nil: there is no SIGUSR1 here.
var sigusr1 func() error
