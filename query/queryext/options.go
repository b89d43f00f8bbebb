package queryext

import "net/http"

// Option changes what the meshlens_query extension serves besides its APIs.
type Option func(*options)

type options struct {
	ui http.Handler
}

// WithUI mounts ui for "GET /" (and HEAD) on the query port, after every
// API: the APIs' more specific patterns keep priority, and other methods
// on unknown paths still answer 405/404 from the mux. queryext takes the
// handler as given (cmd passes web.Handler()), so that query never
// imports the UI.
//
// Because the UI's pattern names a method, every API on the same mux must
// name its methods too ("GET /api/…"): net/http rejects a method-less
// pattern such as "/api/x" next to "GET /" as a conflict.
func WithUI(ui http.Handler) Option {
	return func(o *options) { o.ui = ui }
}
