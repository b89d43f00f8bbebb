// Command meshlens is the meshlens binary: `serve` runs the collector
// distribution (receivers, storage, query API), `stat` prints RED from a
// running server, `version` prints the version.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

func main() {
	if err := newRootCommand().Execute(); err != nil {
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "meshlens",
		Short:         "Observability collector and query service for service-mesh traffic",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(newServeCommand(), newStatCommand(), newProxyCommand(), newDemoCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the meshlens version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "meshlens %s\n", Version)
		},
	})
	return root
}
