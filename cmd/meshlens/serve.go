package main

import (
	_ "embed"
	"strings"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

//go:embed builtin.yaml
var builtinConfig string

// BuiltinConfigURI is the config `meshlens serve` runs without --config.
var BuiltinConfigURI = "yaml:" + builtinConfig

func collectorSettings() otelcol.CollectorSettings {
	return otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{
			Command:     "meshlens serve",
			Description: "meshlens collector and query service",
			Version:     Version,
		},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				URIs: []string{BuiltinConfigURI},
				ProviderFactories: []confmap.ProviderFactory{
					fileprovider.NewFactory(),
					envprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	}
}

// newServeCommand is the collector's own command (flags --config, --set,
// --feature-gates, and its validate/components subcommands) named `serve`.
func newServeCommand() *cobra.Command {
	cmd := otelcol.NewCommand(collectorSettings())
	cmd.Use = "serve"
	cmd.Short = "Run the meshlens collector and query service (built-in config unless --config is given)"
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		// --set alone would replace the built-in config; layer it on top
		// instead, so `meshlens serve --set ...` tweaks the defaults.
		if f := c.Flags().Lookup("config"); f != nil && !f.Changed && hasSetFlag(c) {
			if err := c.Flags().Set("config", BuiltinConfigURI); err != nil {
				return err
			}
		}
		return run(c, args)
	}
	return cmd
}

func hasSetFlag(c *cobra.Command) bool {
	f := c.Flags().Lookup("set")
	return f != nil && f.Changed && strings.TrimSpace(f.Value.String()) != "[]"
}
