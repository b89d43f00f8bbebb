package cluster

import (
	"testing"

	"github.com/meshlens/meshlens/storage"
)

func TestDerive(t *testing.T) {
	reviews := storage.Reporter{Service: "reviews", Namespace: "default", Version: "v2", Workload: "reviews-v2"}
	cases := []struct {
		name     string
		rep      storage.Reporter
		cluster  string
		wantDir  string
		src, dst [3]string // service, namespace, version
	}{
		{"outbound with subset", reviews, "outbound|9080|v1|ratings.default.svc.cluster.local", "source",
			[3]string{"reviews", "default", "v2"}, [3]string{"ratings", "default", "v1"}},
		{"outbound no subset, other ns", reviews, "outbound|8000||httpbin.foo.svc.cluster.local", "source",
			[3]string{"reviews", "default", "v2"}, [3]string{"httpbin", "foo", ""}},
		{"inbound", reviews, "inbound|9080||", "destination",
			[3]string{"unknown", "", ""}, [3]string{"reviews", "default", "v2"}},
		{"external outbound", reviews, "outbound|443||edition.cnn.com", "source",
			[3]string{"reviews", "default", "v2"}, [3]string{"edition.cnn.com", "", ""}},
		{"passthrough from a source reporter", storage.Reporter{Direction: "source", Service: "a"}, "PassthroughCluster", "source",
			[3]string{"a", "", ""}, [3]string{"PassthroughCluster", "", ""}},
		{"no cluster, no config", storage.Reporter{}, "", "destination",
			[3]string{"unknown", "", ""}, [3]string{"unknown", "", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := storage.AccessLog{Reporter: c.rep, UpstreamCluster: c.cluster}
			Derive(&rec)
			gotSrc := [3]string{rec.SourceService, rec.SourceNamespace, rec.SourceVersion}
			gotDst := [3]string{rec.DestinationService, rec.DestinationNamespace, rec.DestinationVersion}
			if rec.Reporter.Direction != c.wantDir || gotSrc != c.src || gotDst != c.dst {
				t.Errorf("got dir=%q src=%v dst=%v, want dir=%q src=%v dst=%v",
					rec.Reporter.Direction, gotSrc, gotDst, c.wantDir, c.src, c.dst)
			}
		})
	}
}
