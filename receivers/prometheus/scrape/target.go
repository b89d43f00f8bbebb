package scrape

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// target is one endpoint of a job, with its labels resolved as Prometheus'
// PopulateLabels does without relabel_configs.
type target struct {
	// labels are the public target labels (job, instance, static labels):
	// the pdata Resource attributes.
	labels labels.Labels
	// all holds every label, internal "__" ones included; it seeds the
	// stable per-target scrape offset.
	all      labels.Labels
	url      string
	interval time.Duration
	timeout  time.Duration
}

// targetDefaults are a job's settings that static labels may override.
type targetDefaults struct {
	job, scheme, metricsPath string
	interval, timeout        time.Duration
	params                   url.Values
}

// buildTargets resolves every target of a job. Identical targets (same
// address and labels) collapse into one, as Prometheus keys its loops by
// target hash.
func buildTargets(path string, scs []StaticConfig, d targetDefaults) ([]*target, []error) {
	var (
		targets []*target
		errs    []error
		seen    = map[uint64]bool{}
		lb      = labels.NewBuilder(labels.EmptyLabels())
	)
	nTargets := 0
	for i, sc := range scs {
		groupPath := fmt.Sprintf("%s.static_configs[%d]", path, i)
		for name, v := range sc.Labels {
			if !model.UTF8Validation.IsValidLabelName(name) || !model.LabelValue(v).IsValid() {
				errs = append(errs, fmt.Errorf("%s.labels: invalid label %q=%q", groupPath, name, v))
			}
		}
		for k, addr := range sc.Targets {
			nTargets++
			t, err := newTarget(lb, addr, sc.Labels, d)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s.targets[%d]: %w", groupPath, k, err))
				continue
			}
			h := t.all.Hash()
			if !seen[h] {
				seen[h] = true
				targets = append(targets, t)
			}
		}
	}
	if nTargets == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s.static_configs: at least one target is required", path))
	}
	return targets, errs
}

func newTarget(lb *labels.Builder, addr string, group map[string]string, d targetDefaults) (*target, error) {
	if err := checkAddress(addr); err != nil {
		return nil, err
	}
	lb.Reset(labels.EmptyLabels())
	for name, v := range group {
		lb.Set(name, v) // An empty value deletes, as in Prometheus.
	}
	lb.Set(model.AddressLabel, addr)
	defaults := []labels.Label{
		{Name: model.JobLabel, Value: d.job},
		{Name: model.ScrapeIntervalLabel, Value: model.Duration(d.interval).String()},
		{Name: model.ScrapeTimeoutLabel, Value: model.Duration(d.timeout).String()},
		{Name: model.MetricsPathLabel, Value: d.metricsPath},
		{Name: model.SchemeLabel, Value: d.scheme},
	}
	for _, l := range defaults {
		if lb.Get(l.Name) == "" {
			lb.Set(l.Name, l.Value)
		}
	}
	for k, v := range d.params {
		if name := model.ParamLabelPrefix + k; len(v) > 0 && lb.Get(name) == "" {
			lb.Set(name, v[0])
		}
	}
	interval, err := model.ParseDuration(lb.Get(model.ScrapeIntervalLabel))
	if err != nil || interval <= 0 {
		return nil, fmt.Errorf("invalid %s %q", model.ScrapeIntervalLabel, lb.Get(model.ScrapeIntervalLabel))
	}
	timeout, err := model.ParseDuration(lb.Get(model.ScrapeTimeoutLabel))
	if err != nil || timeout <= 0 {
		return nil, fmt.Errorf("invalid %s %q", model.ScrapeTimeoutLabel, lb.Get(model.ScrapeTimeoutLabel))
	}
	if timeout > interval {
		return nil, fmt.Errorf("scrape timeout %s is greater than scrape interval %s", timeout, interval)
	}
	if s := lb.Get(model.SchemeLabel); s != "http" && s != "https" {
		return nil, fmt.Errorf("invalid %s %q: must be http or https", model.SchemeLabel, s)
	}
	lb.Range(func(l labels.Label) {
		if strings.HasPrefix(l.Name, model.MetaLabelPrefix) {
			lb.Del(l.Name)
		}
	})
	if lb.Get(model.InstanceLabel) == "" {
		lb.Set(model.InstanceLabel, addr)
	}
	all := lb.Labels()
	pub := labels.NewBuilder(all)
	all.Range(func(l labels.Label) {
		if strings.HasPrefix(l.Name, model.ReservedLabelPrefix) {
			pub.Del(l.Name)
		}
	})
	return &target{
		labels:   pub.Labels(),
		all:      all,
		url:      targetURL(all, d.params),
		interval: time.Duration(interval),
		timeout:  time.Duration(timeout),
	}, nil
}

// checkAddress accepts "host", "host:port" and "[v6]:port", and rejects
// anything with a path, user info or scheme, as Prometheus'
// CheckTargetAddress does (and a little more, to fail at config time).
func checkAddress(addr string) error {
	if addr == "" {
		return fmt.Errorf("empty target address")
	}
	if strings.Contains(addr, "/") {
		return fmt.Errorf("%q is not a valid hostname", addr)
	}
	u, err := url.Parse("http://" + addr)
	if err != nil || u.Host != addr || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not a valid host or host:port", addr)
	}
	if p := u.Port(); p == "" && strings.HasSuffix(addr, ":") {
		return fmt.Errorf("%q has an empty port", addr)
	}
	return nil
}

// targetURL builds the scrape URL from the target's internal labels and the
// job's params, __param_<name> labels replacing the first value.
func targetURL(all labels.Labels, cfgParams url.Values) string {
	params := url.Values{}
	for k, v := range cfgParams {
		params[k] = slices.Clone(v)
	}
	all.Range(func(l labels.Label) {
		k, ok := strings.CutPrefix(l.Name, model.ParamLabelPrefix)
		if !ok {
			return
		}
		if len(params[k]) > 0 {
			params[k][0] = l.Value
		} else {
			params[k] = []string{l.Value}
		}
	})
	u := url.URL{
		Scheme:   all.Get(model.SchemeLabel),
		Host:     all.Get(model.AddressLabel),
		Path:     all.Get(model.MetricsPathLabel),
		RawQuery: params.Encode(),
	}
	return u.String()
}

// offset is the delay before the target's first scrape: the same phase
// within every interval for a given target and seed, spreading targets
// evenly, as Prometheus' Target.offset.
func (t *target) offset(now time.Time, seed uint64) time.Duration {
	h := fnv.New64a()
	fmt.Fprintf(h, "%016d", t.all.Hash())
	h.Write([]byte(t.url))
	iv := int64(t.interval)
	base := iv - now.UnixNano()%iv
	next := base + int64((h.Sum64()^seed)%uint64(iv))
	if next > iv {
		next -= iv
	}
	return time.Duration(next)
}

// String names the target in logs.
func (t *target) String() string { return t.url }
