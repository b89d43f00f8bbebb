package proxy

import (
	"testing"

	"github.com/meshlens/meshlens/proxy/telemetry"
)

func TestPeerRoundTrip(t *testing.T) {
	p := telemetry.Peer{Workload: "reviews-v1", Namespace: "default", App: "reviews", Version: "v1", Service: "reviews.default.svc.cluster.local"}
	if got := decodePeer(encodePeer(p)); got != p {
		t.Fatalf("round trip: %+v", got)
	}
	if got := decodePeer("%zz"); got != (telemetry.Peer{}) {
		t.Fatalf("malformed: %+v", got)
	}
}

func TestFlagsOrder(t *testing.T) {
	cases := map[flags]string{0: "", flagURX | flagUF: "UF,URX", flagFI | flagDI: "DI,FI", flagUT | flagURX: "UT,URX", flagUO: "UO", flagNR: "NR"}
	for f, want := range cases {
		if got := f.String(); got != want {
			t.Errorf("%b: %q, want %q", f, got, want)
		}
	}
}

// FuzzDecodePeer: the peer header comes from the network.
func FuzzDecodePeer(f *testing.F) {
	f.Add("workload=reviews-v1&namespace=default&app=reviews&version=v1")
	f.Add("a=%zz;b")
	f.Fuzz(func(t *testing.T, s string) {
		p := decodePeer(s)
		if q := decodePeer(encodePeer(p)); q != p {
			t.Fatalf("re-encoding changed %+v to %+v", p, q)
		}
	})
}

func TestNewUUID(t *testing.T) {
	a, b := newUUID(), newUUID()
	if len(a) != 36 || a == b || a[14] != '4' {
		t.Fatalf("%s %s", a, b)
	}
}
