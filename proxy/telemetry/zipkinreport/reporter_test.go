package zipkinreport

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
)

// collector is a Zipkin v2 intake that decodes every POST with zipkin-go.
type collector struct {
	mu      sync.Mutex
	batches [][]model.SpanModel
	headers []http.Header
	status  int
	gate    chan struct{} // when set, each POST waits for a value
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.gate != nil {
		<-c.gate
	}
	body, _ := io.ReadAll(r.Body)
	var spans []model.SpanModel
	if err := json.Unmarshal(body, &spans); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.batches = append(c.batches, spans)
	c.headers = append(c.headers, r.Header.Clone())
	status := c.status
	c.mu.Unlock()
	if status == 0 {
		status = http.StatusAccepted
	}
	w.WriteHeader(status)
}

func (c *collector) spans() []model.SpanModel {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []model.SpanModel
	for _, b := range c.batches {
		out = append(out, b...)
	}
	return out
}

func toSpan(id *uint64, s *model.SpanModel) {
	s.TraceID = model.TraceID{Low: *id}
	s.ID = model.ID(*id)
	s.Name = "get /"
	s.Kind = model.Server
	s.Timestamp = time.Unix(1700000000, 0)
	s.Duration = time.Millisecond
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not a wait for an outcome
	}
}

func TestBatchesBySizeAndFlush(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	r, err := New(Config{Endpoint: srv.URL + "/api/v2/spans", BatchSize: 3, BatchInterval: time.Hour}, ModelEncoder(toSpan))
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 7; i++ {
		if !r.Enqueue(ptr(i)) {
			t.Fatalf("Enqueue(%d) refused", i)
		}
	}
	waitFor(t, "two full batches", func() bool { return r.Stats().Batches == 2 })
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := c.spans()
	if len(got) != 7 {
		t.Fatalf("collector got %d spans, want 7", len(got))
	}
	for i, s := range got {
		if uint64(s.ID) != uint64(i+1) || s.Kind != model.Server || s.Duration != time.Millisecond {
			t.Fatalf("span %d = %+v", i, s)
		}
	}
	if len(c.batches[0]) != 3 || len(c.batches[1]) != 3 || len(c.batches[2]) != 1 {
		t.Fatalf("batch sizes %d %d %d, want 3 3 1", len(c.batches[0]), len(c.batches[1]), len(c.batches[2]))
	}
	if h := c.headers[0]; h.Get("Content-Type") != "application/json" || h.Get("b3") != "0" {
		t.Fatalf("POST headers %v", h)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if r.Enqueue(ptr(8)) {
		t.Fatal("Enqueue after Close accepted")
	}
	if st := r.Stats(); st != (Stats{Enqueued: 7, Dropped: 1, Sent: 7, Batches: 3}) {
		t.Fatalf("stats %+v", st)
	}
}

func TestIntervalFlush(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	r, err := New(Config{Endpoint: srv.URL, BatchSize: 100, BatchInterval: 5 * time.Millisecond}, ModelEncoder(toSpan))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	r.Enqueue(ptr(42))
	waitFor(t, "the interval flush", func() bool { return len(c.spans()) == 1 })
}

func TestBacklogBoundDropsWithoutBlocking(t *testing.T) {
	c := &collector{gate: make(chan struct{})}
	srv := httptest.NewServer(c)
	defer srv.Close()
	r, err := New(Config{Endpoint: srv.URL, BatchSize: 1, MaxBacklog: 2, BatchInterval: time.Hour}, ModelEncoder(toSpan))
	if err != nil {
		t.Fatal(err)
	}
	r.Enqueue(ptr(1)) // taken by the loop, whose POST then hangs on the gate
	waitFor(t, "the first POST to start", func() bool { return len(r.ch) == 0 && r.Stats().Enqueued == 1 })
	accepted := 0
	for i := uint64(2); i <= 10; i++ {
		if r.Enqueue(ptr(i)) {
			accepted++
		}
	}
	// The loop may have taken one more item off the queue before blocking.
	if accepted < 2 || accepted > 3 {
		t.Fatalf("accepted %d of 9 with a backlog of 2", accepted)
	}
	if st := r.Stats(); st.Dropped != int64(9-accepted) {
		t.Fatalf("dropped %d, want %d", st.Dropped, 9-accepted)
	}
	close(c.gate)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(c.spans()); got != 1+accepted {
		t.Fatalf("collector got %d spans, want %d", got, 1+accepted)
	}
}

func TestFailuresCounted(t *testing.T) {
	c := &collector{status: http.StatusInternalServerError}
	srv := httptest.NewServer(c)
	defer srv.Close()
	r, err := New(Config{Endpoint: srv.URL, BatchInterval: time.Hour}, ModelEncoder(toSpan))
	if err != nil {
		t.Fatal(err)
	}
	r.Enqueue(ptr(1))
	r.Enqueue(ptr(2))
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Failed != 2 || st.Sent != 0 {
		t.Fatalf("stats %+v", st)
	}
	if r.LastError() == nil {
		t.Fatal("LastError is nil after a 500")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, ep := range []string{"", "127.0.0.1:9411", "ftp://x/y", "http://"} {
		if _, err := New(Config{Endpoint: ep}, ModelEncoder(toSpan)); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
}

func TestCloseHonoursContext(t *testing.T) {
	c := &collector{gate: make(chan struct{})}
	srv := httptest.NewServer(c)
	defer srv.Close()
	defer close(c.gate)
	r, err := New(Config{Endpoint: srv.URL, BatchSize: 1, BatchInterval: time.Hour}, ModelEncoder(toSpan))
	if err != nil {
		t.Fatal(err)
	}
	r.Enqueue(ptr(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Close(ctx); err == nil {
		t.Fatal("Close with a canceled context and a hung collector returned nil")
	}
}

func TestRefusedItemsAreCountedAndSkipped(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	enc := func(id *uint64, dst []byte) []byte {
		if *id%2 == 0 {
			return dst // refuse even ids
		}
		return ModelEncoder(toSpan)(id, dst)
	}
	r, err := New(Config{Endpoint: srv.URL, BatchInterval: time.Hour}, enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 5; i++ {
		r.Enqueue(ptr(i))
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(c.spans()); got != 3 {
		t.Fatalf("collector got %d spans, want the 3 odd ones", got)
	}
	if st := r.Stats(); st.Failed != 2 || st.Sent != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func ptr(v uint64) *uint64 { return &v }
