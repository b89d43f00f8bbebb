package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

func get(t testing.TB, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerRoutes(t *testing.T) {
	s := loadSite()
	base := s.Base()
	tests := []struct {
		name, method, target string
		hdr                  map[string]string
		status               int
		ctype, cache         string
		bodyHas              string
		emptyBody            bool
	}{
		{name: "root", method: "GET", target: "/", status: 200, ctype: "text/html; charset=utf-8", cache: "no-cache", bodyHas: `src="` + base + `js/main.js"`},
		{name: "graph with query", method: "GET", target: "/graph?ns=default&range=1h", status: 200, ctype: "text/html; charset=utf-8", cache: "no-cache", bodyHas: base},
		{name: "service deep link", method: "GET", target: "/service/default/reviews?range=6h", status: 200, ctype: "text/html; charset=utf-8", bodyHas: "<main id=\"view\""},
		{name: "edge deep link", method: "GET", target: "/edge/default/productpage/default/reviews", status: 200, ctype: "text/html; charset=utf-8"},
		{name: "request deep link", method: "GET", target: "/request/84961386-6d84-929d-98bd-c5aee93b5c88", status: 200, ctype: "text/html; charset=utf-8"},
		{name: "head", method: "HEAD", target: "/graph", status: 200, ctype: "text/html; charset=utf-8", emptyBody: true},
		{name: "module", method: "GET", target: base + "js/main.js", status: 200, ctype: "text/javascript; charset=utf-8", cache: "public, max-age=31536000, immutable", bodyHas: "import"},
		{name: "css", method: "GET", target: base + "app.css", status: 200, ctype: "text/css; charset=utf-8"},
		{name: "svg", method: "GET", target: base + "favicon.svg", status: 200, ctype: "image/svg+xml"},
		{name: "license", method: "GET", target: base + "vendor/cytoscape.LICENSE", status: 200, ctype: "text/plain; charset=utf-8", bodyHas: "Cytoscape"},
		{name: "other build's asset", method: "GET", target: "/assets/0123456789ab/js/main.js", status: 200, ctype: "text/javascript; charset=utf-8", cache: "no-cache"},
		{name: "missing asset is not HTML", method: "GET", target: base + "js/nope.js", status: 404, ctype: "text/plain; charset=utf-8"},
		{name: "asset dir", method: "GET", target: base + "js", status: 404},
		{name: "asset without version", method: "GET", target: "/assets/", status: 404},
		{name: "unknown path", method: "GET", target: "/favicon.ico", status: 404},
		{name: "api path", method: "GET", target: "/api/meshlens/v1/nope", status: 404},
		{name: "empty service", method: "GET", target: "/service/", status: 404},
		{name: "graph subpath", method: "GET", target: "/graphs", status: 404},
		{name: "post", method: "POST", target: "/", status: 405},
		{name: "not modified", method: "GET", target: "/", hdr: map[string]string{"If-None-Match": s.index.etag}, status: 304, emptyBody: true},
		{name: "weak etag matches", method: "GET", target: base + "app.css", hdr: map[string]string{"If-None-Match": `"x", W/` + s.assets["app.css"].etag}, status: 304, emptyBody: true},
		{name: "stale etag", method: "GET", target: "/", hdr: map[string]string{"If-None-Match": `"stale"`}, status: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, Handler(), tc.method, tc.target, tc.hdr)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.ctype != "" && rec.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if tc.cache != "" && rec.Header().Get("Cache-Control") != tc.cache {
				t.Errorf("Cache-Control %q, want %q", rec.Header().Get("Cache-Control"), tc.cache)
			}
			if tc.bodyHas != "" && !strings.Contains(rec.Body.String(), tc.bodyHas) {
				t.Errorf("body lacks %q:\n%.300s", tc.bodyHas, rec.Body.String())
			}
			if tc.emptyBody && rec.Body.Len() != 0 {
				t.Errorf("body of %d bytes, want none", rec.Body.Len())
			}
			if tc.status == 200 && rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
			if tc.status == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", rec.Header().Get("Allow"))
			}
		})
	}
}

func TestHandlerGzip(t *testing.T) {
	s := loadSite()
	target := s.Base() + "vendor/cytoscape.min.js"
	plain := get(t, Handler(), "GET", target, nil)
	for _, tc := range []struct {
		accept string
		gz     bool
	}{
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"*", true},
		{"gzip;q=0", false},
		{"identity", false},
		{"", false},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			rec := get(t, Handler(), "GET", target, map[string]string{"Accept-Encoding": tc.accept})
			if rec.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary %q", rec.Header().Get("Vary"))
			}
			got := rec.Header().Get("Content-Encoding") == "gzip"
			if got != tc.gz {
				t.Fatalf("gzip %v, want %v", got, tc.gz)
			}
			body := rec.Body.Bytes()
			if got {
				if rec.Header().Get("ETag") == plain.Header().Get("ETag") {
					t.Error("gzip and identity share an ETag")
				}
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Error("decoded body differs from the identity body")
			}
		})
	}
}

// TestHandlerServesEveryFile loads every embedded file through the handler
// with its content type; newSite fails on an extension without one.
func TestHandlerServesEveryFile(t *testing.T) {
	s := loadSite()
	n := 0
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel := strings.TrimPrefix(p, "static/")
		rec := get(t, Handler(), "GET", s.Base()+rel, nil)
		want, _ := fs.ReadFile(static, p)
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("%s: %d, %d bytes; want 200 with the file", rel, rec.Code, rec.Body.Len())
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

var (
	importRe = regexp.MustCompile(`(?m)(?:^import|^export)\s[^;]*?\sfrom\s+'([^']+)'|import\('([^']+)'\)`)
	namedRe  = regexp.MustCompile(`(?s)import\s*\{([^}]*)\}\s*from\s*'([^']+)'`)
	exportRe = regexp.MustCompile(`(?m)^export\s+(?:async\s+)?(?:function|const|let|class)\s+(\w+)|^export\s*\{([^}]*)\}`)
	baseRe   = regexp.MustCompile(`%BASE%([\w./-]+)`)
)

// TestModulesResolve checks what a browser would otherwise only find at
// run time: every relative import names an embedded file, and every named
// import is exported by it.
func TestModulesResolve(t *testing.T) {
	exports := map[string]map[string]bool{}
	_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".js" || strings.Contains(p, "/vendor/") {
			return err
		}
		b, _ := fs.ReadFile(static, p)
		ex := map[string]bool{}
		for _, m := range exportRe.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "" {
				ex[m[1]] = true
			}
			for _, name := range strings.Split(m[2], ",") {
				if name = strings.TrimSpace(name); name != "" {
					ex[name] = true
				}
			}
		}
		exports[p] = ex
		return nil
	})
	if len(exports) < 8 {
		t.Fatalf("found %d modules", len(exports))
	}
	for p := range exports {
		b, _ := fs.ReadFile(static, p)
		for _, m := range importRe.FindAllStringSubmatch(string(b), -1) {
			spec := m[1] + m[2]
			target := path.Join(path.Dir(p), spec)
			if !strings.HasPrefix(spec, ".") {
				t.Errorf("%s imports %q: only relative imports resolve without a bundler", p, spec)
				continue
			}
			if _, ok := exports[target]; !ok {
				t.Errorf("%s imports %q: no such module (%s)", p, spec, target)
			}
		}
		for _, m := range namedRe.FindAllStringSubmatch(string(b), -1) {
			target := path.Join(path.Dir(p), m[2])
			for _, name := range strings.Split(m[1], ",") {
				name = strings.TrimSpace(strings.Split(strings.TrimSpace(name), " as ")[0])
				if name != "" && exports[target] != nil && !exports[target][name] {
					t.Errorf("%s imports %s from %s, which does not export it", p, name, m[2])
				}
			}
		}
	}
	html, _ := fs.ReadFile(static, "static/index.html")
	for _, m := range baseRe.FindAllStringSubmatch(string(html), -1) {
		if _, err := fs.Stat(static, "static/"+m[1]); err != nil {
			t.Errorf("index.html references %s: %v", m[1], err)
		}
	}
}

// TestVendoredFiles checks the vendored files against README.md, so that
// an update of a third-party file is recorded with its version.
func TestVendoredFiles(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| (static/vendor/\S+) \| (\S+ \S+) \| ([0-9a-f]{64}) \|$`)
	listed := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		listed[m[1]] = m[3]
	}
	vendored, _ := fs.Glob(static, "static/vendor/*")
	if len(vendored) == 0 {
		t.Fatal("nothing vendored")
	}
	for _, p := range vendored {
		b, _ := fs.ReadFile(static, p)
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); listed[p] != got {
			t.Errorf("%s: sha256 %s, README.md lists %q", p, got, listed[p])
		}
		delete(listed, p)
	}
	for p := range listed {
		t.Errorf("README.md lists %s, which is not vendored", p)
	}
}

func TestIsPage(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/graph": true, "/service/a/b": true, "/edge/a/b/c/d": true, "/request/x": true,
		"/service/": false, "/request/": false, "/graph/": false, "/assets/x": false, "/api/v1/query": false, "": false,
	} {
		if got := IsPage(p); got != want {
			t.Errorf("IsPage(%q) = %v, want %v", p, got, want)
		}
	}
}

// FuzzServe feeds arbitrary paths and headers: the handler answers one of
// its statuses, never panics, and only pages and assets are 200.
func FuzzServe(f *testing.F) {
	s := loadSite()
	f.Add("/", "gzip", `"x"`)
	f.Add(s.Base()+"js/main.js", "gzip;q=0, *", "W/*")
	f.Add("/assets//", ",;,", ",")
	f.Fuzz(func(t *testing.T, p, accept, inm string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = p
		req.Header.Set("Accept-Encoding", accept)
		req.Header.Set("If-None-Match", inm)
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 304:
			if !IsPage(p) && !strings.HasPrefix(p, AssetPrefix) {
				t.Fatalf("%q answered %d", p, rec.Code)
			}
		case 404:
		default:
			t.Fatalf("%q answered %d", p, rec.Code)
		}
	})
}

func BenchmarkServeAsset(b *testing.B) {
	s := loadSite()
	for _, c := range []struct{ name, target, accept string }{
		{"index", "/service/default/reviews", "gzip"},
		{"cytoscape-gzip", s.Base() + "vendor/cytoscape.min.js", "gzip"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.target, nil)
			req.Header.Set("Accept-Encoding", c.accept)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				Handler().ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
