package embedded

import (
	"log/slog"
	"os"
	"testing"
	"time"
)

func TestScratchReopen(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	dir := t.TempDir()
	for i := range 2000 {
		d, err := openDuck(dir, time.Hour*24)
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("NORET") == "" {
			d.startRetention(time.Hour, slog.New(slog.DiscardHandler))
		} else {
			d.stopRetention = func() {}
			d.retentionDone = make(chan struct{})
			close(d.retentionDone)
		}
		if i%3 == 0 {
			time.Sleep(time.Duration(i%7) * 100 * time.Microsecond)
		}
		d.stopRetention()
		<-d.retentionDone
		if err := d.close(); err != nil {
			t.Fatal(err)
		}
		if i%500 == 0 {
			t.Log(i)
		}
	}
}
