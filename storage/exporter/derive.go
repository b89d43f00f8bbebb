package exporter

import (
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// deriveAccessLog fills the derived columns of access logs that arrive
// without them (OTLP logs from other producers).
var deriveAccessLog = func(r *storage.AccessLog) { cluster.Derive(r) }
