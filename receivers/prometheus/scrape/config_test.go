package scrape

import (
	"strings"
	"testing"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"go.yaml.in/yaml/v3"
)

// decode reads collector-style YAML the way the collector's confmap does
// (mapstructure with its duration and TextUnmarshaler hooks).
func decode(t *testing.T, doc string) Config {
	t.Helper()
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	var cfg Config
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:      &cfg,
		TagName:     "mapstructure",
		ErrorUnused: true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.TextUnmarshallerHookFunc(),
		),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(raw); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return cfg
}

func TestConfigDecode(t *testing.T) {
	cfg := decode(t, `
scrape_configs:
  - job_name: istio-proxies
    scrape_interval: 15s
    scrape_timeout: 10s
    metrics_path: /stats/prometheus
    scheme: http
    params: {format: [prometheus]}
    honor_labels: false
    honor_timestamps: true
    body_size_limit: 10MiB
    sample_limit: 0
    scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]
    static_configs: [{targets: ["127.0.0.1:15090"], labels: {mesh: demo}}]
`)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	jc := cfg.ScrapeConfigs[0]
	if jc.ScrapeInterval != 15*time.Second || jc.ScrapeTimeout != 10*time.Second || jc.BodySizeLimit != 10<<20 ||
		jc.HonorTimestamps == nil || !*jc.HonorTimestamps || jc.Params.Get("format") != "prometheus" {
		t.Errorf("decoded %+v", jc)
	}
	j, err := resolveJob("scrape_configs[0]", &jc, &cfg.Global)
	if err != nil {
		t.Fatal(err)
	}
	tg := j.targets[0]
	if tg.url != "http://127.0.0.1:15090/stats/prometheus?format=prometheus" {
		t.Errorf("url %s", tg.url)
	}
	if tg.labels.String() != `{instance="127.0.0.1:15090", job="istio-proxies", mesh="demo"}` {
		t.Errorf("target labels %s", tg.labels)
	}
	if want := "text/plain;version=0.0.4;q=0.7,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,*/*;q=0.5"; j.acceptHeader != want {
		t.Errorf("Accept %s", j.acceptHeader)
	}

	var b ByteSize
	for in, want := range map[string]ByteSize{"0": 0, "1024": 1024, "512KB": 512 << 10, "1GiB": 1 << 30} {
		if err := b.UnmarshalText([]byte(in)); err != nil || b != want {
			t.Errorf("ByteSize(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	if err := b.UnmarshalText([]byte("ten megs")); err == nil {
		t.Error("ByteSize accepted garbage")
	}
}

func TestConfigDefaults(t *testing.T) {
	jc := JobConfig{JobName: "j", StaticConfigs: []StaticConfig{{Targets: []string{"h:1"}}}}
	j, err := resolveJob("scrape_configs[0]", &jc, &GlobalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tg := j.targets[0]
	if tg.interval != time.Minute || tg.timeout != 10*time.Second || tg.url != "http://h:1/metrics" ||
		!j.honorTimestamps || j.honorLabels || j.bodySizeLimit != 0 || j.acceptEncoding != "gzip" {
		t.Errorf("defaults: %+v %+v", j, tg)
	}
	// Prometheus v0.316's own expected header for its defaults (scrape_test.go).
	if want := "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3"; j.acceptHeader != want {
		t.Errorf("Accept %s", j.acceptHeader)
	}

	// Timeout defaults to min(global timeout, interval); static labels may
	// override per-target settings as Prometheus' internal labels do.
	jc = JobConfig{JobName: "j", ScrapeInterval: 5 * time.Second, StaticConfigs: []StaticConfig{{
		Targets: []string{"h:1"},
		Labels:  map[string]string{"__metrics_path__": "/stats/prometheus", "__param_x": "y", "__scrape_timeout__": "2s", "__meta_drop": "z"},
	}}}
	j, err = resolveJob("scrape_configs[0]", &jc, &GlobalConfig{ScrapeTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tg = j.targets[0]
	if tg.timeout != 2*time.Second || tg.url != "http://h:1/stats/prometheus?x=y" || tg.labels.String() != `{instance="h:1", job="j"}` {
		t.Errorf("overrides: %s %s %s", tg.timeout, tg.url, tg.labels)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() JobConfig {
		return JobConfig{JobName: "istio-proxies", StaticConfigs: []StaticConfig{{Targets: []string{"127.0.0.1:15090"}}}}
	}
	with := func(f func(*JobConfig)) Config {
		jc := valid()
		f(&jc)
		return Config{ScrapeConfigs: []JobConfig{jc}}
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{name: "valid", cfg: with(func(*JobConfig) {})},
		{name: "no scrape configs", cfg: Config{}, want: "scrape_configs: at least one scrape config is required"},
		{
			name: "timeout greater than interval",
			cfg:  with(func(j *JobConfig) { j.ScrapeInterval, j.ScrapeTimeout = 15*time.Second, 20*time.Second }),
			want: "scrape_configs[0].scrape_timeout: 20s is greater than scrape_interval 15s",
		},
		{
			name: "duplicate job names",
			cfg:  Config{ScrapeConfigs: []JobConfig{valid(), valid()}},
			want: `scrape_configs[1].job_name: duplicate job name "istio-proxies" (also scrape_configs[0])`,
		},
		{name: "empty job name", cfg: with(func(j *JobConfig) { j.JobName = "" }), want: "scrape_configs[0].job_name: must not be empty"},
		{
			name: "URL as target",
			cfg:  with(func(j *JobConfig) { j.StaticConfigs[0].Targets = []string{"ok:1", "http://h:1/metrics"} }),
			want: `scrape_configs[0].static_configs[0].targets[1]: "http://h:1/metrics" is not a valid hostname`,
		},
		{
			name: "bad host",
			cfg:  with(func(j *JobConfig) { j.StaticConfigs[0].Targets = []string{"h:1?x"} }),
			want: `scrape_configs[0].static_configs[0].targets[0]: "h:1?x" is not a valid host or host:port`,
		},
		{name: "empty target", cfg: with(func(j *JobConfig) { j.StaticConfigs[0].Targets = []string{""} }), want: "targets[0]: empty target address"},
		{name: "no targets", cfg: with(func(j *JobConfig) { j.StaticConfigs = nil }), want: "scrape_configs[0].static_configs: at least one target is required"},
		{name: "bad scheme", cfg: with(func(j *JobConfig) { j.Scheme = "ftp" }), want: `scrape_configs[0].scheme: "ftp" must be http or https`},
		{name: "bad metrics path", cfg: with(func(j *JobConfig) { j.MetricsPath = "metrics" }), want: `scrape_configs[0].metrics_path: "metrics" must start with /`},
		{
			name: "unknown protocol",
			cfg:  with(func(j *JobConfig) { j.ScrapeProtocols = []ScrapeProtocol{"OpenMetricsText2.0.0"} }),
			want: `scrape_configs[0].scrape_protocols: unknown scrape protocol "OpenMetricsText2.0.0", supported: OpenMetricsText0.0.1, OpenMetricsText1.0.0, PrometheusProto, PrometheusText0.0.4, PrometheusText1.0.0`,
		},
		{
			name: "duplicated protocol",
			cfg:  with(func(j *JobConfig) { j.ScrapeProtocols = []ScrapeProtocol{PrometheusProto, "prometheusproto"} }),
			want: `scrape_configs[0].scrape_protocols: duplicated protocol "prometheusproto"`,
		},
		{name: "empty protocols", cfg: with(func(j *JobConfig) { j.ScrapeProtocols = []ScrapeProtocol{} }), want: "scrape_configs[0].scrape_protocols: must not be empty"},
		{name: "bad fallback", cfg: with(func(j *JobConfig) { j.FallbackScrapeProtocol = "text" }), want: `scrape_configs[0].fallback_scrape_protocol: unknown scrape protocol "text"`},
		{name: "negative sample limit", cfg: with(func(j *JobConfig) { j.SampleLimit = -1 }), want: "scrape_configs[0].sample_limit: -1 must not be negative"},
		{name: "negative body limit", cfg: with(func(j *JobConfig) { j.BodySizeLimit = -1 }), want: "scrape_configs[0].body_size_limit: -1 must not be negative"},
		{
			name: "bad label override",
			cfg:  with(func(j *JobConfig) { j.StaticConfigs[0].Labels = map[string]string{"__scrape_interval__": "soon"} }),
			want: `scrape_configs[0].static_configs[0].targets[0]: invalid __scrape_interval__ "soon"`,
		},
		{
			name: "global timeout greater than interval",
			cfg:  Config{Global: GlobalConfig{ScrapeInterval: time.Second, ScrapeTimeout: 2 * time.Second}, ScrapeConfigs: []JobConfig{valid()}},
			want: "global.scrape_timeout: 2s is greater than scrape_interval 1s",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v\nwant one containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigDuplicateTargetsCollapse(t *testing.T) {
	jc := JobConfig{JobName: "j", StaticConfigs: []StaticConfig{
		{Targets: []string{"h:1", "h:1"}},
		{Targets: []string{"h:1"}, Labels: map[string]string{"zone": "a"}},
	}}
	j, err := resolveJob("scrape_configs[0]", &jc, &GlobalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(j.targets) != 2 {
		t.Errorf("%d targets, want 2 (identical ones collapse, as in Prometheus)", len(j.targets))
	}
}
