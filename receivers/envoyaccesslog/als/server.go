// Package als is an Envoy gRPC access-log service
// (envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs) that turns
// HTTP and TCP entries into storage.AccessLog rows.
//
// ALS has no acknowledgement: Envoy streams messages and never learns
// whether one was kept, and it does not resend. So what the server has
// delivered is what is kept. When deliver fails, the stream ends with
// codes.Unavailable, so that Envoy reconnects (and buffers meanwhile, up to
// its buffer limit) instead of streaming into a server that cannot store;
// the message whose delivery failed is lost, as the protocol allows.
//
// Known limit: gRPC decodes each message with Go's protobuf, which rejects
// proto3 strings that are not UTF-8. Envoy's C++ protobuf sends them (a
// User-Agent or path with raw high bytes), and such a message ends its
// stream with codes.Internal before the server sees it: its entries are
// lost and Envoy reconnects. Keeping them would take a gRPC codec that
// decodes those strings as bytes.
package als

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/service/accesslog/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/meshlens/meshlens/storage"
)

// Server implements envoy.service.accesslog.v3.AccessLogService.
type Server struct {
	accesslogv3.UnimplementedAccessLogServiceServer

	deliver    func(ctx context.Context, recs []storage.AccessLog) error
	deadLetter func(ctx context.Context, rows []storage.DeadLetter) error
	log        *slog.Logger
	now        func() time.Time
	stats      counters
}

// Option configures a Server.
type Option func(*Server)

// WithDeadLetter keeps entries that cannot become rows (no common
// properties, no or invalid start time), serialized as protobuf, with
// their error and the peer address. Without it they are counted and logged
// only. A dead-letter error ends the stream as a deliver error does.
func WithDeadLetter(fn func(ctx context.Context, rows []storage.DeadLetter) error) Option {
	return func(s *Server) { s.deadLetter = fn }
}

// NewServer returns a Server that converts each received message's entries
// and calls deliver with them, in order, one call per message.
//
// deliver's contract: a nil error means the rows are durable. It must not
// keep recs after returning (the slice is reused). Its ctx is not canceled
// when the client disconnects, because a message already received would
// then be lost: deliver must bound its own duration. The reporter of every
// row comes from the stream's first message identifier (ReporterFromNode),
// refined per row by cluster.Derive. A nil logger discards.
func NewServer(deliver func(ctx context.Context, recs []storage.AccessLog) error, logger *slog.Logger, opts ...Option) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{deliver: deliver, log: logger, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Register adds the service to g.
func (s *Server) Register(g *grpc.Server) {
	accesslogv3.RegisterAccessLogServiceServer(g, s)
}

// StreamAccessLogs receives one Envoy's stream until it ends. Entries that
// cannot be converted are dead-lettered and do not end the stream; a
// message gRPC cannot decode does (Envoy then reconnects).
func (s *Server) StreamAccessLogs(stream grpc.ClientStreamingServer[accesslogv3.StreamAccessLogsMessage, accesslogv3.StreamAccessLogsResponse]) error {
	s.stats.streams.Add(1)
	ctx := context.WithoutCancel(stream.Context())
	source := "grpc"
	if p, ok := peer.FromContext(stream.Context()); ok && p.Addr != nil {
		source = "grpc:" + p.Addr.String()
	}
	var (
		rep  storage.Reporter
		recs []storage.AccessLog
		bad  []badEntry
	)
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&accesslogv3.StreamAccessLogsResponse{})
		}
		if err != nil {
			s.log.Debug("als: stream ended", "peer", source, "err", err)
			return err
		}
		s.stats.messages.Add(1)
		if id := msg.GetIdentifier(); id != nil {
			rep = ReporterFromNode(id.GetNode())
		}
		recs, bad = convertMessage(msg, rep, recs[:0], bad[:0])
		s.stats.entries.Add(int64(len(recs) + len(bad)))
		if len(recs) > 0 {
			if err := s.deliver(ctx, recs); err != nil {
				s.stats.deliverErrors.Add(1)
				s.log.Warn("als: delivering records failed; ending the stream so that Envoy reconnects",
					"peer", source, "records", len(recs), "err", err)
				return status.Errorf(codes.Unavailable, "als: storing %d access-log records: %v", len(recs), err)
			}
			s.stats.delivered.Add(int64(len(recs)))
		}
		if len(bad) > 0 {
			if err := s.keepBad(ctx, source, bad); err != nil {
				return err
			}
		}
	}
}

// keepBad counts, logs and dead-letters entries that are not rows.
func (s *Server) keepBad(ctx context.Context, source string, bad []badEntry) error {
	s.stats.malformed.Add(int64(len(bad)))
	s.log.Debug("als: entries without a row", "peer", source, "count", len(bad), "first_err", bad[0].err)
	if s.deadLetter == nil {
		return nil
	}
	rows := make([]storage.DeadLetter, 0, len(bad))
	for _, b := range bad {
		raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(b.entry)
		if err != nil {
			raw = nil // the error below says what was wrong with it
		}
		rows = append(rows, storage.DeadLetter{
			Received: s.now(), Source: source, Signal: "logs",
			Error: b.err.Error(), Raw: raw, Size: len(raw),
		})
	}
	if err := s.deadLetter(ctx, rows); err != nil {
		s.stats.deliverErrors.Add(1)
		return status.Errorf(codes.Unavailable, "als: storing %d dead letters: %v", len(rows), err)
	}
	return nil
}

// Stats counts what a Server has received since NewServer.
type Stats struct {
	Streams       int64 // streams opened
	Messages      int64 // messages received
	Entries       int64 // HTTP and TCP entries received
	Delivered     int64 // rows delivered
	Malformed     int64 // entries that could not become rows
	DeliverErrors int64 // failed deliver or dead-letter calls (each ended a stream)
}

type counters struct {
	streams, messages, entries, delivered, malformed, deliverErrors atomic.Int64
}

// Stats returns a snapshot of the counters; it is safe to call at any time.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		Streams: c.streams.Load(), Messages: c.messages.Load(), Entries: c.entries.Load(),
		Delivered: c.delivered.Load(), Malformed: c.malformed.Load(), DeliverErrors: c.deliverErrors.Load(),
	}
}
