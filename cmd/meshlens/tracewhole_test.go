package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/internal/testutil"
)

// viewSpan is one span as one of the query APIs shows it, reduced to what
// the call tree needs.
type viewSpan struct {
	id, parent, service, kind string
	shared                    bool // Zipkin: a server span with its client's id
}

// call is one expected parent link: the span of (service, kind) has as
// parent (or, for a Zipkin shared span, as client) the span of
// (parentService, parentKind); an empty parent means a root.
type call struct {
	service, kind             string
	parentService, parentKind string
}

// checkTraceWhole waits until traceID's spans are all stored, then reads
// the trace through the Zipkin v2, Jaeger v1 and Jaeger v3 APIs and checks
// each shows every span with the parent links want describes.
func checkTraceWhole(t *testing.T, queryAddr, traceID string, want []call) {
	t.Helper()
	base := "http://" + queryAddr
	views := map[string]func() ([]viewSpan, error){
		"zipkin v2": func() ([]viewSpan, error) { return zipkinView(base + "/api/v2/trace/" + traceID) },
		"jaeger v1": func() ([]viewSpan, error) { return jaegerV1View(base + "/api/traces/" + traceID) },
		"jaeger v3": func() ([]viewSpan, error) { return jaegerV3View(base + "/api/v3/traces/" + traceID) },
	}
	testutil.WaitFor(t, "whole trace "+traceID, 20*time.Second, func() error {
		spans, err := views["zipkin v2"]()
		if err == nil && len(spans) < len(want) {
			err = fmt.Errorf("%d of %d spans so far", len(spans), len(want))
		}
		return err
	})
	for _, name := range []string{"zipkin v2", "jaeger v1", "jaeger v3"} {
		spans, err := views[name]()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := matchCalls(spans, want); err != nil {
			t.Errorf("%s: %v\nspans: %+v", name, err, spans)
		}
	}
}

// matchCalls checks that spans are exactly want's spans with want's links.
func matchCalls(spans []viewSpan, want []call) error {
	if len(spans) != len(want) {
		return fmt.Errorf("%d spans, want %d", len(spans), len(want))
	}
	find := func(pred func(viewSpan) bool) *viewSpan {
		i := slices.IndexFunc(spans, pred)
		if i < 0 {
			return nil
		}
		return &spans[i]
	}
	for _, c := range want {
		s := find(func(s viewSpan) bool { return s.service == c.service && s.kind == c.kind })
		if s == nil {
			return fmt.Errorf("no %s span of %s", c.kind, c.service)
		}
		parentID := s.parent
		if s.shared {
			parentID = s.id
		}
		if c.parentService == "" {
			if parentID != "" {
				return fmt.Errorf("%s %s: parent %s, want a root", c.service, c.kind, parentID)
			}
			continue
		}
		p := find(func(p viewSpan) bool { return p.id == parentID && !p.shared && p != *s })
		if p == nil || p.service != c.parentService || p.kind != c.parentKind {
			return fmt.Errorf("%s %s: parent %+v, want the %s span of %s", c.service, c.kind, p, c.parentKind, c.parentService)
		}
	}
	return nil
}

func zipkinView(url string) ([]viewSpan, error) {
	var in []struct {
		ID, ParentID, Kind string
		Shared             bool
		LocalEndpoint      struct{ ServiceName string }
	}
	if err := getInto(url, &in); err != nil {
		return nil, err
	}
	out := make([]viewSpan, len(in))
	for i, s := range in {
		out[i] = viewSpan{s.ID, s.ParentID, s.LocalEndpoint.ServiceName, strings.ToLower(s.Kind), s.Shared}
	}
	return out, nil
}

func jaegerV1View(url string) ([]viewSpan, error) {
	var in struct {
		Data []struct {
			Spans []struct {
				SpanID     string `json:"spanID"`
				ProcessID  string `json:"processID"`
				References []struct {
					RefType string `json:"refType"`
					SpanID  string `json:"spanID"`
				} `json:"references"`
				Tags []struct {
					Key   string `json:"key"`
					Value any    `json:"value"`
				} `json:"tags"`
			} `json:"spans"`
			Processes map[string]struct {
				ServiceName string `json:"serviceName"`
			} `json:"processes"`
		} `json:"data"`
	}
	if err := getInto(url, &in); err != nil {
		return nil, err
	}
	if len(in.Data) != 1 {
		return nil, fmt.Errorf("%d traces", len(in.Data))
	}
	var out []viewSpan
	for _, s := range in.Data[0].Spans {
		v := viewSpan{id: s.SpanID, service: in.Data[0].Processes[s.ProcessID].ServiceName}
		for _, r := range s.References {
			if r.RefType == "CHILD_OF" {
				v.parent = r.SpanID
			}
		}
		for _, tag := range s.Tags {
			if tag.Key == "span.kind" && tag.Value != "internal" {
				v.kind = fmt.Sprint(tag.Value)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func jaegerV3View(url string) ([]viewSpan, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	var wrap struct{ Result json.RawMessage }
	if err := json.Unmarshal(body, &wrap); err != nil {
		return nil, err
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(wrap.Result)
	if err != nil {
		return nil, fmt.Errorf("OTLP JSON: %w", err)
	}
	var out []viewSpan
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		svc, _ := rss.At(i).Resource().Attributes().Get("service.name")
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j).Spans()
			for k := range ss.Len() {
				s := ss.At(k)
				v := viewSpan{id: s.SpanID().String(), service: svc.Str(), kind: otlpKind(s.Kind())}
				if !s.ParentSpanID().IsEmpty() {
					v.parent = s.ParentSpanID().String()
				}
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// otlpKind spells an OTLP kind as Zipkin and Jaeger's span.kind tag do;
// internal and unspecified spans have none there.
func otlpKind(k ptrace.SpanKind) string {
	switch k {
	case ptrace.SpanKindClient:
		return "client"
	case ptrace.SpanKindServer:
		return "server"
	case ptrace.SpanKindProducer:
		return "producer"
	case ptrace.SpanKindConsumer:
		return "consumer"
	}
	return ""
}
