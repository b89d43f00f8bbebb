package route

import (
	"encoding/json"
	"flag"
	"os"
	"sort"
	"testing"

	"github.com/meshlens/meshlens/proxy/config"
	"github.com/meshlens/meshlens/proxy/upstream"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestClustersGolden pins the clusters (names, endpoints, policies) that
// the Bookinfo rules in ../config/testdata compile to.
func TestClustersGolden(t *testing.T) {
	reg, err := config.ParseRegistry([]byte(registryYAML))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile("../config/testdata/bookinfo-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ic := &config.IstioConfig{}
	if err := ic.Parse("bookinfo-rules.yaml", rules); err != nil {
		t.Fatal(err)
	}
	m := upstream.NewManager()
	tb, err := Compile(&config.Snapshot{Registry: reg, Istio: ic}, Identity{Service: "productpage"}, m)
	if err != nil {
		t.Fatal(err)
	}
	var specs []upstream.Spec
	for _, st := range m.Status() {
		specs = append(specs, st.Spec)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	got, _ := json.MarshalIndent(struct {
		Clusters []upstream.Spec
		Warnings []string
	}{specs, tb.Warnings}, "", "  ")
	got = append(got, '\n')
	const golden = "testdata/clusters.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("clusters differ from %s (run with -update after checking):\n%s", golden, got)
	}
}
