package tracetest

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/meshlens/meshlens/query/internal/tracefmt"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

//go:embed testdata/zipkin/*.json
var samples embed.FS

// ZipkinSample returns the named Zipkin v2 JSON sample ("envoy.json",
// "yelp.json"; see testdata/README.md) and its spans as ingest stores them
// (FromZipkinJSON).
func ZipkinSample(name string) ([]byte, []storage.Span) {
	data, err := samples.ReadFile("testdata/zipkin/" + name)
	if err != nil {
		panic(err)
	}
	spans, err := FromZipkinJSON(data)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return data, spans
}

type zEndpoint struct {
	ServiceName string `json:"serviceName"`
	IPv4        string `json:"ipv4"`
	IPv6        string `json:"ipv6"`
	Port        int64  `json:"port"`
}

type zSpan struct {
	TraceID        string            `json:"traceId"`
	ParentID       string            `json:"parentId"`
	ID             string            `json:"id"`
	Kind           string            `json:"kind"`
	Name           string            `json:"name"`
	Timestamp      int64             `json:"timestamp"`
	Duration       int64             `json:"duration"`
	LocalEndpoint  *zEndpoint        `json:"localEndpoint"`
	RemoteEndpoint *zEndpoint        `json:"remoteEndpoint"`
	Annotations    []zAnnotation     `json:"annotations"`
	Tags           map[string]string `json:"tags"`
	Debug          bool              `json:"debug"`
	Shared         bool              `json:"shared"`
}

type zAnnotation struct {
	Timestamp int64  `json:"timestamp"`
	Value     string `json:"value"`
}

// FromZipkinJSON stores Zipkin v2 JSON spans as meshlens' ingest does: it
// builds the ptrace the collector-contrib Zipkin translator would (its
// zipkinv2 rules, for the fields the samples use: service.name from the
// local endpoint, endpoints as net.host.*/net.peer.*/peer.service
// attributes, error=true as the error status, annotations as events), with
// the zipkin.shared/zipkin.debug carriers meshlens' intake adds, and runs
// storage/rowconv.SpansFromTraces on it.
func FromZipkinJSON(data []byte) ([]storage.Span, error) {
	var in []zSpan
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	td := ptrace.NewTraces()
	for _, z := range in {
		rs := td.ResourceSpans().AppendEmpty()
		if z.LocalEndpoint != nil && z.LocalEndpoint.ServiceName != "" {
			rs.Resource().Attributes().PutStr("service.name", z.LocalEndpoint.ServiceName)
		}
		if err := toPdata(z, rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()); err != nil {
			return nil, fmt.Errorf("span %s: %w", z.ID, err)
		}
	}
	return rowconv.SpansFromTraces(td, nil)
}

func toPdata(z zSpan, sp ptrace.Span) error {
	tid, err := tracefmt.ParseTraceID(z.TraceID)
	if err != nil {
		return err
	}
	var tb [16]byte
	binary.BigEndian.PutUint64(tb[:8], tid.High)
	binary.BigEndian.PutUint64(tb[8:], tid.Low)
	sp.SetTraceID(tb)
	id, err := spanID(z.ID)
	if err != nil {
		return err
	}
	sp.SetSpanID(id)
	if z.ParentID != "" && z.ParentID != z.ID {
		pid, err := spanID(z.ParentID)
		if err != nil {
			return err
		}
		sp.SetParentSpanID(pid)
	}
	sp.SetName(z.Name)
	sp.SetKind(map[string]ptrace.SpanKind{"CLIENT": ptrace.SpanKindClient, "SERVER": ptrace.SpanKindServer,
		"PRODUCER": ptrace.SpanKindProducer, "CONSUMER": ptrace.SpanKindConsumer}[z.Kind])
	start := time.UnixMicro(z.Timestamp)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(z.Duration) * time.Microsecond)))
	a := sp.Attributes()
	for k, v := range z.Tags {
		if k == rowconv.AttrZipkinError && v == "true" {
			sp.Status().SetCode(ptrace.StatusCodeError)
			continue
		}
		a.PutStr(k, v)
	}
	endpointAttrs(a, z.LocalEndpoint, "", "net.host.ip", "net.host.port")
	endpointAttrs(a, z.RemoteEndpoint, rowconv.AttrPeerService, "net.peer.ip", "net.peer.port")
	if z.Shared {
		a.PutBool(rowconv.AttrZipkinShared, true)
	}
	if z.Debug {
		a.PutBool(rowconv.AttrZipkinDebug, true)
	}
	for _, an := range z.Annotations {
		ev := sp.Events().AppendEmpty()
		ev.SetTimestamp(pcommon.NewTimestampFromTime(time.UnixMicro(an.Timestamp)))
		ev.SetName(strings.SplitN(an.Value, "|", 2)[0])
	}
	return nil
}

func endpointAttrs(a pcommon.Map, e *zEndpoint, serviceKey, ipKey, portKey string) {
	if e == nil {
		return
	}
	if serviceKey != "" && e.ServiceName != "" {
		a.PutStr(serviceKey, e.ServiceName)
	}
	if e.IPv4 != "" {
		a.PutStr(ipKey, e.IPv4)
	}
	if e.IPv6 != "" {
		a.PutStr(ipKey, e.IPv6)
	}
	if e.Port > 0 {
		a.PutInt(portKey, e.Port)
	}
}

func spanID(s string) (pcommon.SpanID, error) {
	n, err := strconv.ParseUint(s, 16, 64)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b, err
}
