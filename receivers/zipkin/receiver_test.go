package zipkin

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/meshlens/meshlens/internal/testutil"
	"github.com/meshlens/meshlens/internal/zipkinspans"
)

// start runs the receiver on a free loopback port, feeding next.
func start(t *testing.T, next consumer.Traces) string {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = testutil.FreeAddr(t)
	r, err := f.CreateTraces(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, next)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	return "http://" + cfg.NetAddr.Endpoint
}

func post(t *testing.T, url, contentType string, body []byte, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

const sharedPair = `[
 {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","kind":"CLIENT","name":"get","timestamp":1700000000000000,"duration":900,
  "localEndpoint":{"serviceName":"productpage"},"tags":{"guid:x-request-id":"r-1"}},
 {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","kind":"SERVER","name":"get","timestamp":1700000000000100,"duration":700,
  "shared":true,"debug":true,"localEndpoint":{"serviceName":"reviews"}}]`

// TestIntake sends each encoding the Zipkin API takes and checks the
// answer and what reached the pipeline.
func TestIntake(t *testing.T) {
	sink := &consumertest.TracesSink{}
	url := start(t, sink)

	spans, err := zipkinspans.DecodeJSONV2([]byte(sharedPair))
	if err != nil {
		t.Fatal(err)
	}
	protoBody, err := zipkin_proto3.SpanSerializer{}.Serialize(spans)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(sharedPair))
	_ = zw.Close()
	v1 := `[{"traceId":"463ac35c9f6413ad","id":"a2fb4a1d1a96d312","name":"get","timestamp":1700000000000000,"duration":5,
	  "annotations":[{"timestamp":1700000000000000,"value":"sr","endpoint":{"serviceName":"reviews","ipv4":"10.0.0.1","port":9080}}]}]`

	for _, tc := range []struct {
		name, path, ct string
		body           []byte
		header         []string
		spans          int
		shared         bool
		debug          int
	}{
		{"v2 json", PathV2, "application/json", []byte(sharedPair), nil, 2, true, 1},
		{"v2 json gzip", PathV2, "application/json", gz.Bytes(), []string{"Content-Encoding", "gzip"}, 2, true, 1},
		// zipkin-go's protobuf codec has no debug field: X-B3-Flags: 1
		// marks every span of the message, as in the Zipkin server.
		{"v2 protobuf", PathV2, "application/x-protobuf", protoBody, []string{"X-B3-Flags", "1"}, 2, true, 2},
		{"v2 protobuf no flags", PathV2, "application/x-protobuf", protoBody, nil, 2, true, 0},
		{"v1 json", PathV1, "application/json", []byte(v1), nil, 1, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink.Reset()
			if code, msg := post(t, url+tc.path, tc.ct, tc.body, tc.header...); code != http.StatusAccepted {
				t.Fatalf("status %d: %s", code, msg)
			}
			if got := sink.SpanCount(); got != tc.spans {
				t.Fatalf("%d spans reached the pipeline, want %d", got, tc.spans)
			}
			if !tc.shared {
				return
			}
			var shared, debug int
			for _, td := range sink.AllTraces() {
				zipkinspans.EachSpan(td, func(s ptrace.Span) {
					if v, ok := s.Attributes().Get(zipkinspans.AttrShared); ok && v.Bool() && s.Kind() == ptrace.SpanKindServer {
						shared++
					}
					if _, ok := s.Attributes().Get(zipkinspans.AttrDebug); ok {
						debug++
					}
				})
			}
			if shared != 1 || debug != tc.debug {
				t.Errorf("shared server spans %d, debug spans %d; want 1 and %d", shared, debug, tc.debug)
			}
		})
	}
}

// TestBadInput checks the answers to bad requests, and that none of their
// spans reaches the pipeline (Zipkin rejects a message as a whole).
func TestBadInput(t *testing.T) {
	sink := &consumertest.TracesSink{}
	url := start(t, sink)
	good := strings.TrimSuffix(strings.TrimPrefix(sharedPair, "["), "]")
	huge := bytes.Repeat([]byte(" "), 10<<20)
	huge[0] = '['
	huge[len(huge)-1] = ']'
	for _, tc := range []struct {
		name, path, ct string
		body           []byte
		status         int
		want           string
	}{
		{"malformed json", PathV2, "application/json", []byte(`[{"traceId":`), http.StatusBadRequest, "zipkin v2 json: span 0"},
		{"unknown field with good spans", PathV2, "application/json", []byte(`[` + good + `,{"traceId":"1","id":"2","extra":1}]`), http.StatusBadRequest, `span 2: unknown field "extra"`},
		{"long trace id", PathV2, "application/json", []byte(`[{"traceId":"463ac35c9f6413ad48485a3953bb61240","id":"1"}]`), http.StatusBadRequest, "33 hex digits"},
		{"long span id", PathV2, "application/json", []byte(`[{"traceId":"1","id":"a2fb4a1d1a96d3120"}]`), http.StatusBadRequest, "17 hex digits"},
		{"10 MiB body", PathV2, "application/json", huge, http.StatusRequestEntityTooLarge, "request body over"},
		{"bad protobuf", PathV2, "application/x-protobuf", []byte{0xff, 0xff, 0xff}, http.StatusBadRequest, "zipkin v2 protobuf"},
		{"unsupported type", PathV2, "text/plain", []byte(sharedPair), http.StatusUnsupportedMediaType, `content type "text/plain"`},
		{"bad v1", PathV1, "application/json", []byte(`{`), http.StatusBadRequest, "http_v1_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := post(t, url+tc.path, tc.ct, tc.body)
			if code != tc.status || !strings.Contains(msg, tc.want) {
				t.Errorf("got %d %q, want %d containing %q", code, msg, tc.status, tc.want)
			}
		})
	}
	resp, err := http.Get(url + PathV2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	if n := sink.SpanCount(); n != 0 {
		t.Errorf("%d spans of rejected messages reached the pipeline", n)
	}
	// The receiver still takes good spans after all that.
	if code, msg := post(t, url+PathV2, "application/json", []byte(sharedPair)); code != http.StatusAccepted {
		t.Errorf("good message after bad ones: %d %s", code, msg)
	}
}

// TestPipelineRefusal maps the pipeline's answers to HTTP statuses.
func TestPipelineRefusal(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{consumererror.NewPermanent(errors.New("row refused")), http.StatusBadRequest},
		{errors.New("disk full"), http.StatusInternalServerError},
	} {
		url := start(t, consumertest.NewErr(tc.err))
		code, msg := post(t, url+PathV2, "application/json", []byte(sharedPair))
		if code != tc.status || !strings.Contains(msg, tc.err.Error()) {
			t.Errorf("%v: got %d %q, want %d", tc.err, code, msg, tc.status)
		}
	}
}
