package scrape

import "time"

// reportNames are the series Prometheus adds for every scrape of a target
// (https://prometheus.io/docs/concepts/jobs_instances/). They carry only the
// target labels and, as in Prometheus, no metadata: its /api/v1/metadata
// lists only what targets expose.
var reportNames = [...]string{
	"up",
	"scrape_duration_seconds",
	"scrape_samples_scraped",
	"scrape_samples_post_metric_relabeling",
	"scrape_series_added",
}

// emitReport writes up, scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling and scrape_series_added at defTime,
// as Prometheus' scrapeLoop.report. They are never marked stale while the
// loop runs.
func (c *converter) emitReport(b *builder, defTime int64, duration time.Duration, out outcome) {
	up := 0.0
	if out.err == nil {
		up = 1
	}
	values := [len(reportNames)]float64{
		up,
		duration.Seconds(),
		float64(out.total),
		float64(out.added),
		float64(out.seriesAdded),
	}
	for i, name := range reportNames {
		u := unit{kind: kindGauge, name: name, v: values[i], t: defTime, n: 1}
		b.add(&u, defTime, false)
	}
}
