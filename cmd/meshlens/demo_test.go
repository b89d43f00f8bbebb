package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/proxy/demo"
)

// TestDemo runs `meshlens demo` for a few seconds and checks, through the
// query API only, that access logs, spans and scraped metrics arrive.
func TestDemo(t *testing.T) {
	o := demoOptions{dataDir: t.TempDir(), queryAddr: testutil.FreeAddr(t), zipkinAddr: testutil.FreeAddr(t),
		alsAddr: testutil.FreeAddr(t), rps: 10}
	ctx, cancel := context.WithCancel(context.Background())
	meshCh := make(chan *demo.Mesh, 1)
	done := make(chan error, 1)
	out := new(strings.Builder)
	go func() { done <- runDemo(ctx, o, io.MultiWriter(out), func(m *demo.Mesh) { meshCh <- m }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	var mesh *demo.Mesh
	select {
	case mesh = <-meshCh:
	case err := <-done:
		t.Fatalf("demo exited: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("demo did not start")
	}
	if !strings.Contains(out.String(), "UI: http://"+o.queryAddr+"/") {
		t.Errorf("output lacks the UI URL: %s", out)
	}
	api := "http://" + o.queryAddr
	getData := func(path string, v any) error {
		resp, err := http.Get(api + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
		env := struct{ Data json.RawMessage }{}
		if err := json.Unmarshal(b, &env); err != nil {
			return err
		}
		return json.Unmarshal(env.Data, v)
	}
	testutil.WaitFor(t, "RED rows from access logs", 60*time.Second, func() error {
		var red struct{ Rows []struct{ Requests int64 } }
		if err := getData("/api/meshlens/v1/red?by=service", &red); err != nil {
			return err
		}
		if len(red.Rows) == 0 {
			return fmt.Errorf("no RED rows yet (%d requests sent)", mesh.Sent())
		}
		return nil
	})
	id := ""
	testutil.WaitFor(t, "a request looked up hop by hop", 60*time.Second, func() error {
		if id == "" { // then keep asking for the same one until it is stored
			if id = mesh.LastRequestID(); id == "" {
				return fmt.Errorf("no request answered yet")
			}
		}
		var ans struct {
			AccessLogs []json.RawMessage `json:"access_logs"`
			Traces     []json.RawMessage `json:"traces"`
		}
		if err := getData("/api/meshlens/v1/requests/"+id, &ans); err != nil {
			return err
		}
		// loadgen → productpage → details, reviews: at least 6 records (both sides of 3 hops).
		if len(ans.AccessLogs) < 6 || len(ans.Traces) == 0 {
			return fmt.Errorf("request %s: %d access logs, %d traces", id, len(ans.AccessLogs), len(ans.Traces))
		}
		return nil
	})
	testutil.WaitFor(t, "scraped istio_requests_total", 60*time.Second, func() error {
		var q struct{ Result []json.RawMessage }
		if err := getData("/api/v1/query?query="+url.QueryEscape(`istio_requests_total{reporter="destination"}`), &q); err != nil {
			return err
		}
		if len(q.Result) == 0 {
			return fmt.Errorf("no istio_requests_total series yet")
		}
		return nil
	})
}
