package storage

import (
	"errors"
	"io"
)

// ErrNotFound is returned by readers when the requested trace, request id or
// record does not exist. Query APIs map it to their own "not found" answer.
var ErrNotFound = errors.New("not found")

// ErrNotSupported is returned when a backend lacks an optional ability.
var ErrNotSupported = errors.New("not supported by this storage backend")

// Backend is one storage backend, as held by the meshlens_storage extension.
//
// A Backend always stores samples. Access logs, spans, rollups and the
// aggregate readers are optional abilities: callers check for them with a
// type assertion to AccessLogWriter, SpanWriter, AccessLogReader,
// TraceReader, REDReader or GraphReader.
//
// Close flushes everything acknowledged and releases files and connections;
// no method may be called after Close.
type Backend interface {
	io.Closer
	SampleStore
}
