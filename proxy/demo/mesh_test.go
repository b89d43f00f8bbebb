package demo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	demorules "github.com/meshlens/meshlens/deploy/demo"
)

// TestMeshServesWithSeedRules runs the demo mesh with the real seed rules
// and checks, from the sidecars' access logs, that traffic flows through
// every hop and the rules act: beta users reach reviews v2, others v1/v3,
// and the faulty ratings instance's 503s are seen by its sidecar.
func TestMeshServesWithSeedRules(t *testing.T) {
	dir := t.TempDir()
	m, err := Start(Options{Rules: demorules.Rules, WorkDir: dir, RPS: 100, BetaShare: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	want := []string{
		"outbound|9080||productpage.default.svc.cluster.local",
		"outbound|9080||details.default.svc.cluster.local",
		"outbound|9080|v1|reviews.default.svc.cluster.local",
		"outbound|9080|v2|reviews.default.svc.cluster.local",
		"outbound|9080||ratings.default.svc.cluster.local",
		"inbound|9080||",
		" 503 ", // the faulty ratings instance
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		log, _ := os.ReadFile(filepath.Join(dir, "access.log"))
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(log), w) {
				missing = w
				break
			}
		}
		if missing == "" && m.OK() >= 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d requests (%d ok), access log lacks %q", m.Sent(), m.OK(), missing)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(m.AdminAddrs()) != 8 {
		t.Errorf("admin addrs %v", m.AdminAddrs())
	}
}

// TestStartFailsCleanly checks that a mesh that cannot start returns the
// sidecar's error, having closed what it had started, rather than
// crashing on the way out.
func TestStartFailsCleanly(t *testing.T) {
	bad := fstest.MapFS{"reviews.yaml": {Data: []byte("apiVersion: networking.istio.io/v1\nkind: VirtualService\n" +
		"metadata: {name: reviews}\nspec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}, weight: -5}]}]}\n")}}
	_, err := Start(Options{Rules: bad, WorkDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "sidecar") {
		t.Fatalf("Start with a bad rule: %v, want the sidecar's error", err)
	}
}
