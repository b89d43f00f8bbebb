package envoyaccesslog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/meshlens/meshlens/internal/logbridge"
	"github.com/meshlens/meshlens/receivers/envoyaccesslog/als"
	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/rowconv"
)

type accessLogReceiver struct {
	cfg  *Config
	set  receiver.Settings
	next consumer.Logs
	obs  *receiverhelper.ObsReport

	files []*fileInput
	grpc  *grpc.Server
	done  chan struct{}

	rejected atomic.Int64 // records dead-lettered by this receiver
	refused  atomic.Int64 // batches the pipeline refused permanently
}

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Logs) (*accessLogReceiver, error) {
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.ID, Transport: "file+grpc", ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TypeStr, err)
	}
	r := &accessLogReceiver{cfg: cfg, set: set, next: next, obs: obs}
	if err := registerMetrics(set, r); err != nil {
		return nil, fmt.Errorf("%s: registering metrics: %w", TypeStr, err)
	}
	return r, nil
}

// consume hands records and dead letters to the pipeline as one batch.
func (r *accessLogReceiver) consume(ctx context.Context, recs []storage.AccessLog, dls []storage.DeadLetter) error {
	ld := plog.NewLogs()
	rowconv.AppendAccessLogs(ld, recs)
	rowconv.AppendDeadLetters(ld, dls)
	r.rejected.Add(int64(len(dls)))
	ctx = r.obs.StartLogsOp(ctx)
	err := r.next.ConsumeLogs(ctx, ld)
	r.obs.EndLogsOp(ctx, TypeStr, len(recs), err)
	if consumererror.IsPermanent(err) {
		// The pipeline stored what it could and refused the rest for good
		// (e.g. records older than retention): retrying cannot help, and
		// would stall the input, so the batch is done.
		r.set.Logger.Warn("access-log records refused by the pipeline", zap.Error(err))
		r.refused.Add(1)
		return nil
	}
	return err
}

func (r *accessLogReceiver) Start(ctx context.Context, host component.Host) error {
	logger := logbridge.Slog(r.set.Logger)
	for i := range r.cfg.Files {
		ckpt := filepath.Join(r.cfg.CheckpointDir, checkpointName(r.set.ID, i))
		if err := os.MkdirAll(r.cfg.CheckpointDir, 0o755); err != nil {
			return fmt.Errorf("%s: checkpoint_dir: %w", TypeStr, err)
		}
		in, err := newFileInput(&r.cfg.Files[i], ckpt, r.consume, logger)
		if err != nil {
			return fmt.Errorf("%s: files[%d]: %w", TypeStr, i, err)
		}
		// Tailers must outlive Start's context.
		if err := in.tailer.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("%s: files[%d]: %w", TypeStr, i, err)
		}
		r.files = append(r.files, in)
	}
	if g := r.cfg.GRPC.Get(); g != nil {
		if err := r.startGRPC(ctx, host, g.NetAddr.Endpoint); err != nil {
			return err
		}
	}
	return nil
}

func (r *accessLogReceiver) startGRPC(ctx context.Context, host component.Host, endpoint string) error {
	g := r.cfg.GRPC.Get()
	ln, err := g.NetAddr.Listen(ctx)
	if err != nil {
		return fmt.Errorf("%s: grpc: listening on %s: %w", TypeStr, endpoint, err)
	}
	r.grpc, err = g.ToServer(ctx, host.GetExtensions(), r.set.TelemetrySettings)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("%s: grpc: %w", TypeStr, err)
	}
	als.NewServer(func(ctx context.Context, recs []storage.AccessLog) error {
		return r.consume(ctx, recs, nil)
	}, logbridge.Slog(r.set.Logger), als.WithDeadLetter(func(ctx context.Context, dls []storage.DeadLetter) error {
		return r.consume(ctx, nil, dls)
	})).Register(r.grpc)
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		if err := r.grpc.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) && !errors.Is(err, net.ErrClosed) {
			r.set.Logger.Error("access-log service stopped", zap.Error(err))
		}
	}()
	r.set.Logger.Info("Envoy access-log service listening", zap.String("endpoint", ln.Addr().String()))
	return nil
}

// Shutdown stops the inputs; every batch they delivered has been
// acknowledged by the pipeline (and checkpointed, for files).
func (r *accessLogReceiver) Shutdown(ctx context.Context) error {
	var errs []error
	if r.grpc != nil {
		r.grpc.GracefulStop()
		<-r.done
	}
	for _, in := range r.files {
		errs = append(errs, in.tailer.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// checkpointName is stable per receiver id and input index.
func checkpointName(id component.ID, input int) string {
	name := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(id.String())
	return fmt.Sprintf("%s.files-%d.json", name, input)
}
