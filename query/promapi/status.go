package promapi

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// PrometheusVersion is the version /status/buildinfo reports. It is the
// Prometheus release whose engine and API behaviour this package carries
// (module v0.316.0 is Prometheus 3.16.0); clients gate features on it,
// Grafana for instance sends match[] to the labels API from 2.24 on.
const PrometheusVersion = "3.16.0"

// buildInfo is the data of /status/buildinfo, with Prometheus' fields.
type buildInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Branch    string `json:"branch"`
	BuildUser string `json:"buildUser"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
}

// readBuildInfo reports meshlens' own VCS revision and time when the
// binary carries them.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: PrometheusVersion, GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				b.BuildDate = t.UTC().Format("20060102-15:04:05") // Prometheus' layout
			}
		}
	}
	return b
}

func (a *API) serveBuildInfo(*http.Request) result {
	return result{data: a.build}
}

// serveConfig answers a minimal Prometheus configuration: the global
// section, from which Kiali reads scrape_interval.
func (a *API) serveConfig(*http.Request) result {
	scrapeTimeout := min(a.opts.ScrapeInterval, 10*time.Second) // Prometheus' default
	yaml := fmt.Sprintf("global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n",
		model.Duration(a.opts.ScrapeInterval), model.Duration(scrapeTimeout), model.Duration(a.opts.EvaluationInterval))
	return result{data: map[string]string{"yaml": yaml}}
}

// serveFlags answers the Prometheus flags that have a meaning here, under
// Prometheus' names.
func (a *API) serveFlags(*http.Request) result {
	flags := map[string]string{
		"query.lookback-delta":  model.Duration(a.opts.LookbackDelta).String(),
		"query.max-concurrency": strconv.Itoa(a.opts.MaxConcurrency),
		"query.max-samples":     strconv.Itoa(a.opts.MaxSamples),
		"query.timeout":         model.Duration(a.opts.Timeout).String(),
	}
	if a.opts.Retention > 0 {
		flags["storage.tsdb.retention.time"] = model.Duration(a.opts.Retention).String()
	}
	return result{data: flags}
}

// runtimeInfo is the data of /status/runtimeinfo, with Prometheus' fields.
type runtimeInfo struct {
	StartTime           time.Time `json:"startTime"`
	CWD                 string    `json:"CWD"`
	Hostname            string    `json:"hostname"`
	ServerTime          time.Time `json:"serverTime"`
	ReloadConfigSuccess bool      `json:"reloadConfigSuccess"`
	LastConfigTime      time.Time `json:"lastConfigTime"`
	CorruptionCount     int64     `json:"corruptionCount"`
	GoroutineCount      int       `json:"goroutineCount"`
	GOMAXPROCS          int       `json:"GOMAXPROCS"`
	GOMEMLIMIT          int64     `json:"GOMEMLIMIT"`
	GOGC                string    `json:"GOGC"`
	GODEBUG             string    `json:"GODEBUG"`
	StorageRetention    string    `json:"storageRetention"`
}

func (a *API) serveRuntimeInfo(*http.Request) result {
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "<error retrieving current working directory>" // Prometheus' placeholder
	}
	hostname, err := os.Hostname()
	if err != nil {
		return errResult(&apiError{errorInternal, fmt.Errorf("error getting hostname: %w", err)})
	}
	var retention string
	if a.opts.Retention > 0 {
		retention = model.Duration(a.opts.Retention).String()
	}
	return result{data: runtimeInfo{
		StartTime:           a.started,
		CWD:                 cwd,
		Hostname:            hostname,
		ServerTime:          time.Now().UTC(),
		ReloadConfigSuccess: true, // configuration is fixed at start
		LastConfigTime:      a.started,
		GoroutineCount:      runtime.NumGoroutine(),
		GOMAXPROCS:          runtime.GOMAXPROCS(0),
		GOMEMLIMIT:          debug.SetMemoryLimit(-1), // -1 reads without setting
		GOGC:                os.Getenv("GOGC"),
		GODEBUG:             os.Getenv("GODEBUG"),
		StorageRetention:    retention,
	}}
}
