// Package web is meshlens' browser UI: plain HTML, CSS and ES modules
// (no bundler, no Node.js at build time) embedded in the binary, and the
// handler that serves them on the query port.
//
// URL layout (stable; users share these links):
//
//	/                                   → the service graph
//	/graph?ns=&range=&layout=&refresh=&source=
//	                                    the service graph
//	/service/<ns>/<name>?range=         one service (namespace "_" when none)
//	/edge/<srcNs>/<src>/<dstNs>/<dst>   one caller→callee pair
//	/request/<id>                       an x-request-id or trace id
//	/assets/<version>/<file>            the embedded files
//
// Every page also takes start=&end= (Unix seconds) instead of range=, which
// pins the window so that a shared link shows the same minutes.
//
// Every route above answers index.html, so a deep link opens the right page;
// the page's modules then read the path. Assets live under a version that is
// a hash of all embedded files, so they are cached for a year ("immutable")
// and a new binary's page never mixes with an old binary's modules.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed static
var static embed.FS

// AssetPrefix is where the embedded files are served, followed by the
// version and the file's path under static/.
const AssetPrefix = "/assets/"

// routes are the page paths that answer index.html: exact paths, and
// prefixes ending in "/".
var routes = []string{"/", "/graph", "/service/", "/edge/", "/request/"}

// IsPage reports whether p is one of the UI's page routes (deep links that
// answer index.html).
func IsPage(p string) bool {
	for _, r := range routes {
		prefix := strings.HasSuffix(r, "/") && r != "/"
		if (!prefix && p == r) || (prefix && strings.HasPrefix(p, r) && len(p) > len(r)) {
			return true
		}
	}
	return false
}

// Handler returns the UI's handler. It is safe for concurrent use and
// shared: every call returns the same handler over the same embedded files.
// It answers GET and HEAD only (405 otherwise) and 404 for any path that is
// neither a page nor an asset, so it can be mounted at "/" behind the APIs.
func Handler() http.Handler { return loadSite() }

var loadSite = sync.OnceValue(func() *site {
	s, err := newSite(static)
	if err != nil {
		// The files are compiled in: this can only be a broken build, which
		// TestHandlerServesEveryFile catches.
		panic(fmt.Sprintf("web: loading embedded UI: %v", err))
	}
	return s
})

// site is the loaded UI: every file, pre-compressed where that helps.
type site struct {
	version string
	index   *asset
	assets  map[string]*asset // by path under static/, e.g. "js/main.js"
}

// asset is one file ready to serve.
type asset struct {
	body, gz []byte // gz is nil when compressing does not pay
	etag     string // strong validator of body; gz gets etag + "-gz"
	ctype    string
}

func newSite(fsys fs.FS) (*site, error) {
	root, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	html, ok := files["index.html"]
	if !ok {
		return nil, fmt.Errorf("static/index.html is missing")
	}
	s := &site{version: versionOf(files), assets: make(map[string]*asset, len(files))}
	for p, b := range files {
		ctype, ok := contentType(p)
		if !ok {
			return nil, fmt.Errorf("static/%s: no content type for its extension", p)
		}
		s.assets[p] = newAsset(b, ctype)
	}
	page := bytes.ReplaceAll(html, []byte("%BASE%"), []byte(s.Base()))
	s.index = newAsset(page, "text/html; charset=utf-8")
	return s, nil
}

// Base is the URL path under which this build's assets are served.
func (s *site) Base() string { return AssetPrefix + s.version + "/" }

// versionOf hashes every file's path and content, in path order.
func versionOf(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, p := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func newAsset(body []byte, ctype string) *asset {
	sum := sha256.Sum256(body)
	a := &asset{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ctype}
	if compressible(ctype) && len(body) >= 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body)*9/10 {
			a.gz = buf.Bytes()
		}
	}
	return a
}

// contentTypes are set explicitly: mime.TypeByExtension depends on the
// host's /etc/mime.types, and browsers refuse ES modules served with a
// non-JavaScript type.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/plain; charset=utf-8",
}

func contentType(p string) (string, bool) {
	ext := path.Ext(p)
	if strings.HasSuffix(p, "LICENSE") {
		ext = ".txt"
	}
	t, ok := contentTypes[ext]
	return t, ok
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || ctype == "application/json" || ctype == "image/svg+xml"
}

// ServeHTTP serves a page route (index.html, revalidated on every load) or
// an asset (cached for a year under its version).
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if IsPage(p) {
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		s.index.serve(w, r)
		return
	}
	if rest, ok := strings.CutPrefix(p, AssetPrefix); ok {
		version, file, _ := strings.Cut(rest, "/")
		if a := s.assets[file]; a != nil && file != "" {
			if version == s.version {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				// A page of another build: serve what we have, uncached.
				w.Header().Set("Cache-Control", "no-cache")
			}
			a.serve(w, r)
			return
		}
	}
	http.NotFound(w, r)
}

// csp allows only this origin; Cytoscape sets inline styles on its canvas
// elements.
const csp = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, a.etag
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) listed without
// q=0.
func acceptsGzip(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}

// etagMatch implements If-None-Match's weak comparison for our strong tags.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for part := range strings.SplitSeq(header, ",") {
		t := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
