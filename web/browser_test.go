package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/meshlens/meshlens/internal/testutil"
)

// TestModulesInBrowser runs testdata/unit.js, the unit tests of the UI's
// pure functions (health classification, the fallbacks' aggregation,
// routes, hop matching, formatting), as ES modules served by Handler in
// headless Chromium.
func TestModulesInBrowser(t *testing.T) {
	exe := testutil.Chromium(t)
	script, err := os.ReadFile("testdata/unit.js")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", Handler())
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no API here", http.StatusNotImplemented) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
	defer tcancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(srv.URL+"/request/unit-test")); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Fails  []string
		Checks int
	}
	res, err = chromedp.Run(tctx, chromedp.Evaluate[struct {
		Fails  []string
		Checks int
	}]("("+string(script)+")("+`"`+loadSite().Base()+`"`+")", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running testdata/unit.js: %v", err)
	}
	for _, f := range res.Fails {
		t.Error(f)
	}
	if res.Checks < 30 {
		t.Errorf("only %d checks ran", res.Checks)
	}
	t.Logf("%d checks, %d failed", res.Checks, len(res.Fails))
}
