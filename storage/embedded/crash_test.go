package embedded

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/storagetest"
)

// crashChildEnv names the data directory when the test binary runs as the
// child of TestAccessLogsSurviveKill.
const crashChildEnv = "MESHLENS_CRASH_CHILD_DIR"

// TestAccessLogsSurviveKill checks the durability contract against a real
// crash: a child process writes access logs and dead letters, reports that
// the writes returned, and is SIGKILLed without closing anything; every
// acknowledged row must be there when the parent opens the files.
func TestAccessLogsSurviveKill(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAccessLogsSurviveKill$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	acked := ""
	for sc.Scan() {
		if line := sc.Text(); len(line) > 6 && line[:6] == "acked " {
			acked = line[6:]
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if acked == "" {
		t.Fatal("the child never acknowledged its writes")
	}
	be, err := Open(Config{Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	var logs int
	if err := be.duck.db.QueryRow("SELECT count(*) FROM " + accessLogsView).Scan(&logs); err != nil {
		t.Fatal(err)
	}
	dls, err := be.DeadLetters(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%d logs, %d dead letters", logs, len(dls)); got != acked {
		t.Fatalf("after SIGKILL: %s, acknowledged %s", got, acked)
	}
}

// crashChild writes, acknowledges on stdout, then waits to be killed.
func crashChild(dir string) {
	be, err := Open(Config{Path: dir}, nil)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	ctx := context.Background()
	base := time.Now().UTC().Add(-30 * time.Minute)
	// One batch larger than a row group (DuckDB writes it straight to the
	// database file, the WAL only points at it) and small ones (WAL only).
	const large = 130_000
	rows := storagetest.REDCorpus(large+1000, base, 3)
	if err := be.WriteAccessLogs(ctx, rows[:large]); err != nil {
		fmt.Println("write:", err)
		os.Exit(1)
	}
	for i := large; i < len(rows); i += 100 {
		if err := be.WriteAccessLogs(ctx, rows[i:i+100]); err != nil {
			fmt.Println("write:", err)
			os.Exit(1)
		}
	}
	if err := be.WriteDeadLetters(ctx, []storage.DeadLetter{{Received: time.Now(), Source: "crash", Raw: []byte("x")}}); err != nil {
		fmt.Println("dead letters:", err)
		os.Exit(1)
	}
	fmt.Printf("acked %d logs, %d dead letters\n", len(rows), 1)
	select {} // killed here, with everything open
}
