package zipkinspans

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	zipkinmodel "github.com/openzipkin/zipkin-go/model"

	"github.com/meshlens/meshlens/internal/hexdigit"
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

// model validates js as the Zipkin server does and converts it.
func (js *jsonSpan) model() (*zipkinmodel.SpanModel, error) {
	return spanModel(js, js.TraceID, js.ID, js.ParentID, nil)
}

// spanModel is model with the ids given apart from js, so that the
// decoder can pass them as the bytes it read, not strings it would only
// parse, and the structs of the result taken from a (nil: allocated one
// by one).
func spanModel[ID string | []byte](js *jsonSpan, traceID, id, parentID ID, a *spanAlloc) (*zipkinmodel.SpanModel, error) {
	s := a.span()
	var err error
	if s.TraceID, err = parseTraceID(traceID); err != nil {
		return nil, err
	}
	if s.ID, err = parseSpanID("id", id); err != nil {
		return nil, err
	}
	if len(parentID) != 0 {
		p, err := parseSpanID("parentId", parentID)
		if err != nil {
			return nil, err
		}
		if p != 0 {
			s.ParentID = a.id(p)
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
	if s.LocalEndpoint, err = js.LocalEndpoint.model("localEndpoint", a); err != nil {
		return nil, err
	}
	if s.RemoteEndpoint, err = js.RemoteEndpoint.model("remoteEndpoint", a); err != nil {
		return nil, err
	}
	if len(js.Annotations) > 0 {
		s.Annotations = make([]zipkinmodel.Annotation, len(js.Annotations))
		for i, a := range js.Annotations {
			s.Annotations[i] = zipkinmodel.Annotation{Timestamp: time.UnixMicro(a.Timestamp), Value: a.Value}
		}
	}
	return s, nil
}

func (e *jsonEndpoint) model(field string, a *spanAlloc) (*zipkinmodel.Endpoint, error) {
	if e == nil {
		return nil, nil
	}
	m := a.endpoint()
	*m = zipkinmodel.Endpoint{ServiceName: e.ServiceName}
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
func parseTraceID[ID string | []byte](h ID) (zipkinmodel.TraceID, error) {
	if len(h) == 0 {
		return zipkinmodel.TraceID{}, errors.New("traceId: missing")
	}
	if len(h) > 32 {
		return zipkinmodel.TraceID{}, fmt.Errorf("traceId %q: %d hex digits, want at most 32", string(h), len(h))
	}
	var t zipkinmodel.TraceID
	ok := true
	lo := h
	if len(h) > 16 {
		t.High, ok = hexdigit.Parse(h[:len(h)-16])
		lo = h[len(h)-16:]
	}
	var okLo bool
	if t.Low, okLo = hexdigit.Parse(lo); !ok || !okLo {
		return zipkinmodel.TraceID{}, fmt.Errorf("traceId %q: not hex", string(h))
	}
	if t.Empty() {
		return t, fmt.Errorf("traceId %q: all zeros", string(h))
	}
	return t, nil
}

// parseSpanID accepts 1–16 hex digits, as Zipkin does.
func parseSpanID[ID string | []byte](field string, h ID) (zipkinmodel.ID, error) {
	if len(h) == 0 {
		return 0, fmt.Errorf("%s: missing", field)
	}
	if len(h) > 16 {
		return 0, fmt.Errorf("%s %q: %d hex digits, want at most 16", field, string(h), len(h))
	}
	v, ok := hexdigit.Parse(h)
	if !ok {
		return 0, fmt.Errorf("%s %q: not hex", field, string(h))
	}
	if v == 0 && field == "id" {
		return 0, fmt.Errorf("%s %q: all zeros", field, string(h))
	}
	return zipkinmodel.ID(v), nil
}
