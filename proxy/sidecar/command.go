package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// NewCommand is `meshlens proxy` (and the lean `meshlens-proxy` binary):
// the bundled sidecar in front of one application instance, configured by
// a proxy.yaml file. It runs until SIGINT or SIGTERM, then drains for up
// to 10s.
func NewCommand() *cobra.Command {
	var configPath, logLevel string
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Run the sidecar proxy (Istio traffic rules, Envoy/Istio telemetry) in front of one app",
		Long: `Run the bundled sidecar proxy. Listeners default to 127.0.0.1:15001 (outbound),
:15006 (inbound) and :15090 (admin: /stats/prometheus, /ready, /config_dump).
See proxy/README.md for the config file, the registry format and the supported Istio fields.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configPath == "" {
				return errors.New("--config: required")
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			f, err := Load(configPath)
			if err != nil {
				return err
			}
			s, err := f.Start(log)
			if err != nil {
				return err
			}
			log.Info("meshlens proxy started", "outbound", s.Proxy.Addr("outbound"), "inbound", s.Proxy.Addr("inbound"), "admin", s.Proxy.Addr("admin"))
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			reopenOnSIGUSR1(ctx, s, log)
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return s.Close(sctx)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "proxy config file (YAML)")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}
