package promapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string // "" for valid
	}{
		{name: "zero is valid", opts: Options{}},
		{name: "explicit", opts: Options{Timeout: time.Second, MaxSamples: 10, LookbackDelta: time.Minute, MaxConcurrency: 2, EvaluationInterval: time.Second}},
		{name: "negative timeout", opts: Options{Timeout: -time.Second}, wantErr: "Timeout must not be negative"},
		{name: "negative max samples", opts: Options{MaxSamples: -1}, wantErr: "MaxSamples must not be negative"},
		{name: "negative lookback", opts: Options{LookbackDelta: -1}, wantErr: "LookbackDelta must not be negative"},
		{name: "negative concurrency", opts: Options{MaxConcurrency: -1}, wantErr: "MaxConcurrency must not be negative"},
		{name: "sub-millisecond evaluation interval", opts: Options{EvaluationInterval: time.Microsecond}, wantErr: "EvaluationInterval must be at least 1ms"},
		{name: "negative retention", opts: Options{Retention: -time.Hour}, wantErr: "Retention must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if _, err := New(openTSDB(t), nil, tt.opts, nil); err == nil {
				t.Error("New accepted invalid options")
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	got := Options{}.withDefaults()
	want := Options{
		Timeout: 2 * time.Minute, MaxSamples: 50_000_000, LookbackDelta: 5 * time.Minute,
		MaxConcurrency: 20, EvaluationInterval: time.Minute, ScrapeInterval: 15 * time.Second,
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(nil, nil, Options{}, nil); err == nil {
		t.Error("New accepted a nil Queryable")
	}
	reg := prometheus.NewRegistry()
	db := openTSDB(t)
	a, err := New(db, nil, Options{Registerer: reg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := New(db, nil, Options{Registerer: reg}, nil); err == nil || !strings.Contains(err.Error(), "register engine metrics") {
		t.Errorf("second engine on one registry: got %v", err)
	}
	if _, err := New(db, nil, Options{ActiveQueryLogDir: "/dev/null/x"}, nil); err == nil {
		t.Error("New accepted an unusable active query log directory")
	}
}

// TestActiveQueryLog runs a query with Prometheus' file-backed tracker and
// checks Close releases it.
func TestActiveQueryLog(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, openTSDB(t), nil, Options{ActiveQueryLogDir: dir, MaxConcurrency: 2})
	if _, _, _, err := h.client.Query(ctxT(t), "1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "queries.active")); err != nil {
		t.Errorf("no active query log: %v", err)
	}
}

func TestQueryLimiter(t *testing.T) {
	l := newQueryLimiter(1)
	if l.GetMaxConcurrent() != 1 {
		t.Fatalf("max %d", l.GetMaxConcurrent())
	}
	slot, err := l.Insert(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Insert(canceled, "b"); !errors.As(err, new(promql.ErrQueryCanceled)) {
		t.Errorf("full, canceled: got %v", err)
	}
	expired, cancel := context.WithDeadline(context.Background(), time.Now())
	defer cancel()
	if _, err := l.Insert(expired, "b"); !errors.As(err, new(promql.ErrQueryTimeout)) {
		t.Errorf("full, expired: got %v", err)
	}
	l.Delete(slot)
	if _, err := l.Insert(context.Background(), "c"); err != nil {
		t.Errorf("after Delete: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
}
