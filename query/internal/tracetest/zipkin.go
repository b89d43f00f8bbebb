package tracetest

import (
	"embed"
	"fmt"

	"github.com/meshlens/meshlens/internal/zipkinspans"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

//go:embed testdata/zipkin/*.json
var samples embed.FS

// ZipkinSample returns the named Zipkin v2 JSON sample ("envoy.json",
// "yelp.json"; see testdata/README.md) and its spans as ingest stores them
// (FromZipkinJSON).
func ZipkinSample(name string) ([]byte, []storage.Span) {
	data, err := samples.ReadFile("testdata/zipkin/" + name)
	if err != nil {
		panic(err)
	}
	spans, err := FromZipkinJSON(data)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return data, spans
}

// FromZipkinJSON stores Zipkin v2 JSON spans exactly as meshlens' ingest
// does: the zipkin receiver's decoding and translation
// (internal/zipkinspans), then storage/rowconv.SpansFromTraces.
func FromZipkinJSON(data []byte) ([]storage.Span, error) {
	spans, err := zipkinspans.DecodeJSONV2(data)
	if err != nil {
		return nil, err
	}
	td, err := zipkinspans.Translate(spans, false)
	if err != nil {
		return nil, err
	}
	return rowconv.SpansFromTraces(td, nil)
}
