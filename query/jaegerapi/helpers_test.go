package jaegerapi

import (
	"encoding/json"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

type storageQuery = storage.TraceQuery

// decodeTrace reads the one trace of a v1 trace answer.
func decodeTrace(t *testing.T, body string) Trace {
	t.Helper()
	var res struct{ Data []Trace }
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Data) != 1 {
		t.Fatalf("%v: %s", err, body)
	}
	return res.Data[0]
}
