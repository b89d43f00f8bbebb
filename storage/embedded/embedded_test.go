package embedded

import (
	"testing"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

func harness() storagetest.Harness {
	return storagetest.Harness{
		Open: func(t *testing.T) storage.Backend {
			b, err := Open(Config{Path: t.TempDir()}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Reopen: func(t *testing.T, b storage.Backend) storage.Backend {
			dir := b.(*Backend).db.Dir()
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			nb, err := Open(Config{Path: dir[:len(dir)-len("/tsdb")]}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return nb
		},
	}
}

func TestConformanceSamples(t *testing.T) {
	storagetest.RunSamples(t, harness())
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "embedded.path: must not be empty"},
		{Config{Path: "x", Retention: -1}, "embedded.retention: -1ns is negative"},
		{Config{Path: "x", Retention: 1}, "embedded.retention: 1ns is shorter than the 1h minimum"},
		{Config{Path: "x", RetentionCheckInterval: -1}, "embedded.retention_check_interval: -1ns is negative"},
		{Config{Path: "x", Retention: 0}, ""},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Validate(%+v) = %q, want %q", c.cfg, got, c.want)
		}
	}
}
