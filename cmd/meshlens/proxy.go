package main

import (
	"github.com/spf13/cobra"

	"github.com/meshlens/meshlens/proxy/sidecar"
)

// newProxyCommand is `meshlens proxy`; cmd/meshlens-proxy is the same
// command as a binary of its own, without the server side linked in.
func newProxyCommand() *cobra.Command { return sidecar.NewCommand() }
