package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of Debian's headless-capable Chromium. Under
// CI=true a missing browser fails the test (`make test` installs it with
// deploy/dev/install-deps.sh); elsewhere the test is skipped, naming why.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found; `make test` installs it (deploy/dev/install-deps.sh)")
	}
	t.Skip("chromium not found; install Debian's chromium or run `make test`")
	return ""
}
