package zipkinspans

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	// goccy/go-json is encoding/json's API and semantics (strict unknown
	// fields, case-insensitive names, the same number rules) at about 2.7×
	// the decoding speed on Envoy span batches (BenchmarkDecodeJSONV2);
	// FuzzDecodeMatchesStdlib holds it to encoding/json's answers.
	json "github.com/goccy/go-json"
	zipkinmodel "github.com/openzipkin/zipkin-go/model"
)

// jsonSpan is one Zipkin v2 JSON span as the API spec (zipkin2-api.yaml)
// defines it. Decoding is strict, as the spec's schema: an unknown field,
// a tag that is not a string or an id of the wrong length is an error
// naming the span and field, where zipkin-go's own UnmarshalJSON (used by
// the contrib receiver) skips unknown fields and accepts any id length.
type jsonSpan struct {
	TraceID        string            `json:"traceId"`
	ID             string            `json:"id"`
	ParentID       string            `json:"parentId"`
	Name           string            `json:"name"`
	Kind           string            `json:"kind"`
	Timestamp      *int64            `json:"timestamp"`
	Duration       *int64            `json:"duration"`
	Debug          bool              `json:"debug"`
	Shared         bool              `json:"shared"`
	LocalEndpoint  *jsonEndpoint     `json:"localEndpoint"`
	RemoteEndpoint *jsonEndpoint     `json:"remoteEndpoint"`
	Annotations    []jsonAnnotation  `json:"annotations"`
	Tags           map[string]string `json:"tags"`
}

type jsonEndpoint struct {
	ServiceName string `json:"serviceName"`
	IPv4        string `json:"ipv4"`
	IPv6        string `json:"ipv6"`
	Port        *int   `json:"port"`
}

type jsonAnnotation struct {
	Timestamp int64  `json:"timestamp"`
	Value     string `json:"value"`
}

// DecodeJSONV2 decodes a Zipkin v2 JSON list of spans. Any error rejects
// the whole list, as the Zipkin server does (it answers 400 and stores
// none of the message); the error names the span's position and field.
func DecodeJSONV2(body []byte) ([]*zipkinmodel.SpanModel, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("spans: want a JSON list: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("spans: want a JSON list, got %v", tok)
	}
	var out []*zipkinmodel.SpanModel
	for i := 0; dec.More(); i++ {
		var js jsonSpan
		if err := dec.Decode(&js); err != nil {
			return nil, fmt.Errorf("span %d: %w", i, err)
		}
		s, err := js.model()
		if err != nil {
			return nil, fmt.Errorf("span %d: %w", i, err)
		}
		out = append(out, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("spans: unterminated list: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("spans: data after the list")
	}
	return out, nil
}

// model validates js as the Zipkin server does and converts it.
func (js *jsonSpan) model() (*zipkinmodel.SpanModel, error) {
	var s zipkinmodel.SpanModel
	var err error
	if s.TraceID, err = parseTraceID(js.TraceID); err != nil {
		return nil, err
	}
	id, err := parseSpanID("id", js.ID)
	if err != nil {
		return nil, err
	}
	s.ID = id
	if js.ParentID != "" {
		p, err := parseSpanID("parentId", js.ParentID)
		if err != nil {
			return nil, err
		}
		if p != 0 {
			s.ParentID = &p
		}
	}
	switch k := zipkinmodel.Kind(strings.ToUpper(js.Kind)); k {
	case zipkinmodel.Undetermined, zipkinmodel.Client, zipkinmodel.Server, zipkinmodel.Producer, zipkinmodel.Consumer:
		s.Kind = k
	default:
		return nil, fmt.Errorf("kind %q: want CLIENT, SERVER, PRODUCER or CONSUMER", js.Kind)
	}
	if js.Timestamp != nil {
		if *js.Timestamp < 0 {
			return nil, fmt.Errorf("timestamp %d: must not be negative", *js.Timestamp)
		}
		s.Timestamp = time.UnixMicro(*js.Timestamp)
	}
	if js.Duration != nil {
		if *js.Duration < 0 {
			return nil, fmt.Errorf("duration %d: must not be negative", *js.Duration)
		}
		s.Duration = time.Duration(*js.Duration) * time.Microsecond
	}
	s.Name, s.Debug, s.Shared, s.Tags = js.Name, js.Debug, js.Shared, js.Tags
	if s.LocalEndpoint, err = js.LocalEndpoint.model("localEndpoint"); err != nil {
		return nil, err
	}
	if s.RemoteEndpoint, err = js.RemoteEndpoint.model("remoteEndpoint"); err != nil {
		return nil, err
	}
	for _, a := range js.Annotations {
		s.Annotations = append(s.Annotations, zipkinmodel.Annotation{Timestamp: time.UnixMicro(a.Timestamp), Value: a.Value})
	}
	return &s, nil
}

func (e *jsonEndpoint) model(field string) (*zipkinmodel.Endpoint, error) {
	if e == nil {
		return nil, nil
	}
	m := &zipkinmodel.Endpoint{ServiceName: e.ServiceName}
	if e.IPv4 != "" {
		if m.IPv4 = net.ParseIP(e.IPv4).To4(); m.IPv4 == nil {
			return nil, fmt.Errorf("%s.ipv4 %q: not an IPv4 address", field, e.IPv4)
		}
	}
	if e.IPv6 != "" {
		if m.IPv6 = net.ParseIP(e.IPv6); m.IPv6 == nil || m.IPv6.To4() != nil {
			return nil, fmt.Errorf("%s.ipv6 %q: not an IPv6 address", field, e.IPv6)
		}
	}
	if e.Port != nil {
		if *e.Port < 0 || *e.Port > 65535 {
			return nil, fmt.Errorf("%s.port %d: not a port", field, *e.Port)
		}
		m.Port = uint16(*e.Port)
	}
	return m, nil
}

// parseTraceID accepts 1–32 hex digits, as Zipkin does (it left-pads to
// 16 or 32); all zeros is not a trace id.
func parseTraceID(h string) (zipkinmodel.TraceID, error) {
	if h == "" {
		return zipkinmodel.TraceID{}, errors.New("traceId: missing")
	}
	if len(h) > 32 {
		return zipkinmodel.TraceID{}, fmt.Errorf("traceId %q: %d hex digits, want at most 32", h, len(h))
	}
	var t zipkinmodel.TraceID
	var err error
	lo := h
	if len(h) > 16 {
		if t.High, err = strconv.ParseUint(h[:len(h)-16], 16, 64); err != nil {
			return t, fmt.Errorf("traceId %q: not hex", h)
		}
		lo = h[len(h)-16:]
	}
	if t.Low, err = strconv.ParseUint(lo, 16, 64); err != nil {
		return t, fmt.Errorf("traceId %q: not hex", h)
	}
	if t.Empty() {
		return t, fmt.Errorf("traceId %q: all zeros", h)
	}
	return t, nil
}

// parseSpanID accepts 1–16 hex digits, as Zipkin does.
func parseSpanID(field, h string) (zipkinmodel.ID, error) {
	if h == "" {
		return 0, fmt.Errorf("%s: missing", field)
	}
	if len(h) > 16 {
		return 0, fmt.Errorf("%s %q: %d hex digits, want at most 16", field, h, len(h))
	}
	v, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: not hex", field, h)
	}
	if v == 0 && field == "id" {
		return 0, fmt.Errorf("%s %q: all zeros", field, h)
	}
	return zipkinmodel.ID(v), nil
}
