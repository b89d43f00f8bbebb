package envoyaccesslog

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"

	"github.com/meshlens/meshlens/receivers/envoyaccesslog/format"
	"github.com/meshlens/meshlens/receivers/envoyaccesslog/tail"
)

// DefaultGRPCEndpoint is DESIGN.md's Envoy access-log service port.
const DefaultGRPCEndpoint = "127.0.0.1:9901"

// Config is the envoyaccesslog receiver's configuration.
type Config struct {
	// Files are followed log files, each group with its format and reporter.
	Files []FileInput `mapstructure:"files"`
	// GRPC, when present, serves Envoy's gRPC access-log service.
	GRPC configoptional.Optional[configgrpc.ServerConfig] `mapstructure:"grpc"`
	// CheckpointDir holds the file offsets, so a restart neither loses nor
	// duplicates lines. One file per receiver instance.
	CheckpointDir string `mapstructure:"checkpoint_dir"`
}

// FileInput is one group of followed files.
type FileInput struct {
	Include []string `mapstructure:"include"`
	Exclude []string `mapstructure:"exclude"`
	// Format is auto | envoy | istio | istio_json | an Envoy format string.
	Format   string         `mapstructure:"format"`
	Reporter ReporterConfig `mapstructure:"reporter"`
	// StartAt is "end" (default, as tail -f) or "beginning", for files
	// found at the very first start.
	StartAt      string        `mapstructure:"start_at"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
	MaxLineBytes int           `mapstructure:"max_line_bytes"`
}

// ReporterConfig names the proxy whose log the files are.
type ReporterConfig struct {
	Service   string `mapstructure:"service"`
	Namespace string `mapstructure:"namespace"`
	Version   string `mapstructure:"version"`
	Workload  string `mapstructure:"workload"`
}

func createDefaultConfig() *Config {
	grpc := configgrpc.NewDefaultServerConfig()
	grpc.NetAddr.Endpoint = DefaultGRPCEndpoint
	return &Config{GRPC: configoptional.Default(grpc), CheckpointDir: "./data/envoyaccesslog"}
}

func (f *FileInput) tailConfig() tail.Config {
	return tail.Config{Include: f.Include, Exclude: f.Exclude, StartAt: f.StartAt,
		PollInterval: f.PollInterval, MaxLineBytes: f.MaxLineBytes}
}

func (f *FileInput) format() string {
	if f.Format == "" {
		return "auto"
	}
	return f.Format
}

// Validate names the first bad field, e.g. `files[1].format: …`.
func (c *Config) Validate() error {
	if len(c.Files) == 0 && !c.GRPC.HasValue() {
		return errors.New("no input: set `files` and/or `grpc`")
	}
	if len(c.Files) > 0 && c.CheckpointDir == "" {
		return errors.New("checkpoint_dir: must not be empty when files are followed")
	}
	for i := range c.Files {
		f := &c.Files[i]
		if len(f.Include) == 0 {
			return fmt.Errorf("files[%d].include: at least one glob is needed", i)
		}
		if _, err := format.ForName(f.format()); err != nil {
			return fmt.Errorf("files[%d].format: %w", i, err)
		}
		if err := f.tailConfig().Validate(); err != nil {
			return fmt.Errorf("files[%d]: %w", i, err)
		}
	}
	if g := c.GRPC.Get(); g != nil && g.NetAddr.Endpoint == "" {
		return errors.New("grpc.endpoint: must not be empty")
	}
	return nil
}
