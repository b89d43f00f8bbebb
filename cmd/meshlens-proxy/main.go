// Command meshlens-proxy is `meshlens proxy` alone: the bundled sidecar
// without the collector, storage and UI linked in, for a sidecar's small
// memory footprint (`meshlens proxy` in the full binary holds ~77 MB idle,
// most of it the server side's code and static data).
package main

import (
	"os"

	"github.com/meshlens/meshlens/proxy/sidecar"
)

func main() {
	cmd := sidecar.NewCommand()
	cmd.Use = "meshlens-proxy"
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
